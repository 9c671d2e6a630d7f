import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';
import { MODEL_OUTPUT_NAME } from '../models/model-contract.ts';
import type { ModelCard } from '../models/model-card.ts';
import { describeOnnxBytes } from '../models/onnx-file.ts';
import { CARD_FILE, MODEL_FILE } from '../models/read-card.ts';
import { exportMlpToOnnx } from './onnx/export-mlp.ts';
import { buildModelCard } from './build-card.ts';
import { renderModelCardMarkdown } from './card-markdown.ts';
import { decisionAtReferralRate, evaluateScores, groupEvaluations, type ReferralDecision } from './evaluate.ts';
import { GOLDEN_FILE, pickGoldenRows } from './golden-rows.ts';
import type { LabelledTable } from './labelled-table.ts';
import { describeArchitecture } from './mlp.ts';
import { encodedWidth } from './piecewise-linear.ts';
import { assertOnnxParity, type ParityResult } from './onnx-parity.ts';
import { cardDecision, refuseNoReferrals, type ShortfallContext } from './referral-shortfall.ts';
import { buildReference } from './reference.ts';
import { selectRows, selectValues } from './standardize.ts';
import type { Calibration } from './calibration.ts';
import type { TrainedModel } from './train-model.ts';

/**
 * From a trained model to a registry folder: export the network with its normalisation and
 * calibration as one ONNX graph, check that onnxruntime gives the trainer's probabilities on every
 * holdout row (within 1e-5, else nothing is written), evaluate on the holdout, and write
 * `model.onnx`, `card.json`, `card.md` and `golden.json`.
 *
 * The threshold, the operating points, the group metrics and the golden rows use onnxruntime's
 * float32 scores from the parity run: those are what the service compares with the threshold. The
 * trainer's float64 scores agree within 1e-5, but a row exactly at the threshold could round below
 * it, and the served model would refer one crossing fewer than the card says. (The logistic
 * baseline is never exported: its figures stay the trainer's.)
 *
 * Files are written to a sibling folder first and moved into place at the end, so a failed run
 * never leaves a half-written model where the service might load it.
 */

export interface ModelOutput {
  readonly out: string;
  readonly version: string;
  readonly name: string;
  /** Where the training CSV came from (path, simulator seed…), for the card. */
  readonly dataSource: string;
  /** Caveats particular to this data (simulated, recorded). */
  readonly caveats: readonly string[];
  readonly owners?: readonly string[];
  readonly createdAt: string;
  /** Replace an existing folder. */
  readonly overwrite: boolean;
  /** Write the folder even when the card's threshold refers no holdout crossing (referral-shortfall.ts). */
  readonly allowNoReferrals?: boolean;
}

export interface WrittenModel {
  readonly card: ModelCard;
  readonly parity: ParityResult;
  readonly sha256: string;
  /** The card's threshold and what it achieves on the holdout (onnxruntime's scores). */
  readonly decision: ReferralDecision;
}

/**
 * How the trainer's shortfall messages name the rows and what to change. Only isotonic steps are a
 * reason to suggest Platt; otherwise ties at the top come from a small or heavily weighted holdout.
 */
export function holdoutShortfall(calibration: Calibration['kind']): ShortfallContext {
  return {
    rowsName: 'holdout crossings',
    advice:
      calibration === 'isotonic'
        ? 'Tied top scores come from isotonic calibration, which is flat above its highest knot (the centre of the top block of validation rows): try --calibration platt, a larger --target-referral-rate, or more rows.'
        : "In a small holdout (or with heavy row weights) a single row can hold more than the target's share: try a larger --target-referral-rate or more rows.",
  };
}

export async function writeTrainedModel(trained: TrainedModel, table: LabelledTable, output: ModelOutput): Promise<WrittenModel> {
  const { split, config } = trained;
  const onnx = exportMlpToOnnx({
    inputRange: trained.inputRange,
    inputTransform: config.inputTransform,
    inputNormalization: { mean: trained.standardization.mean, std: trained.standardization.scale },
    inputEncoding: trained.encoding,
    layers: trained.layers,
    calibration: trained.calibration,
    metadata: { modelVersion: output.version, featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  });
  const holdoutFeatures = selectRows(table.features, FEATURE_COUNT, split.holdout);
  const parity = await assertOnnxParity(onnx, holdoutFeatures, trained.holdoutScores);
  const { sha256 } = describeOnnxBytes(onnx);

  const holdout = {
    labels: selectValues(table.labels, split.holdout),
    weights: selectValues(table.weights, split.holdout),
    scores: parity.onnxScores,
  };
  const decision = decisionAtReferralRate(holdout, config.targetReferralRate);
  const threshold = decision.threshold;
  const holdoutGroups = {
    sex: Array.from(split.holdout, (r) => table.groups.sex[r]!),
    ageBand: Array.from(split.holdout, (r) => table.groups.ageBand[r]!),
    citizenship: Array.from(split.holdout, (r) => table.groups.citizenship[r]!),
  };
  const trainingRows = split.train;
  let trainingPositives = 0;
  for (const r of trainingRows) trainingPositives += table.labels[r]! * table.weights[r]!;
  const encoding = trained.encoding;
  const memberShape = [encoding === undefined ? FEATURE_COUNT : encodedWidth(encoding), ...config.hiddenLayers, 1].join('-');
  // `--layers none` has no hidden layer, hence no ReLU: the logit is linear in the inputs.
  const activation = config.hiddenLayers.length === 0 ? 'no hidden layer: logistic regression' : 'ReLU';
  const network =
    config.ensembleSize > 1
      ? `tfjs ensemble: mean logit of ${config.ensembleSize} MLPs ${memberShape} (${activation}), exported as one ${describeArchitecture(trained.layers)} network`
      : `tfjs MLP ${memberShape} (${activation})`;
  const inputSteps = [
    ...(trained.inputRange === undefined ? [] : ['inputs clipped to their training range']),
    ...(config.inputTransform === 'signed-log1p' ? ['sign(x)·ln(1+|x|)'] : []),
    'standardised',
    ...(encoding === undefined ? [] : [`piecewise-linear encoded into ${encodedWidth(encoding)} inputs (training quantile bins)`]),
  ].join(', ');
  const architecture = `${network}, ${inputSteps}, ${calibrationName(trained.calibration.kind)} calibration`;

  const card = buildModelCard(
    {
      version: output.version,
      name: output.name,
      createdAt: output.createdAt,
      architecture,
      framework: `@tensorflow/tfjs ${trained.backend} backend; ONNX by training/onnx/export-mlp.ts`,
      owners: output.owners ?? [],
      onnxSha256: sha256,
      onnxOutputName: MODEL_OUTPUT_NAME,
      caveats: output.caveats,
    },
    {
      decision: cardDecision(decision),
      metrics: {
        holdout: evaluateScores(holdout),
        baseline: evaluateScores({ ...holdout, scores: trained.baselineHoldoutScores }),
      },
      quantitativeAnalyses: { groups: groupEvaluations(holdout, holdoutGroups, threshold) },
      trainingData: {
        source: output.dataSource,
        from: table.timestampTexts[trainingRows[0]!],
        to: table.timestampTexts[trainingRows[trainingRows.length - 1]!],
        rows: trainingRows.length,
        positives: trainingPositives,
        weighting:
          `class weighting '${config.classWeighting}' (positive rows ×${trained.positiveFactor.toFixed(3)}) multiplied by the row weight column ` +
          '(1, or 1/selection probability for random referrals); weights scaled to mean 1',
      },
      evaluationData: {
        description:
          `Holdout: the latest ${split.holdout.length} rows of the training set by time (time-ordered split, never random). ` +
          `Validation slice before it (${split.validation.length} rows) for early stopping and calibration; neither was trained on.`,
        from: table.timestampTexts[split.holdout[0]!],
        to: table.timestampTexts[split.holdout[split.holdout.length - 1]!],
        rows: split.holdout.length,
      },
      training: trainingRecord(trained, parity),
      reference: buildReference(table.features, trainingRows, table.weights, trained.trainingScores),
    },
  );
  refuseNoReferrals(decision, holdoutShortfall(trained.calibration.kind), output.allowNoReferrals ?? false);
  // The golden file stores what onnxruntime gave (the parity run): what a re-score must reproduce.
  const golden = pickGoldenRows(holdoutFeatures, holdout.labels, parity.onnxScores, output.version);

  writeModelFolder(output.out, output.overwrite, {
    [MODEL_FILE]: onnx,
    [CARD_FILE]: `${JSON.stringify(card, null, 2)}\n`,
    'card.md': renderModelCardMarkdown(card),
    [GOLDEN_FILE]: `${JSON.stringify(golden, null, 2)}\n`,
  });
  return { card, parity, sha256, decision };
}

function trainingRecord(trained: TrainedModel, parity: ParityResult): Record<string, unknown> {
  const c = trained.config;
  return {
    inputClipping: c.inputClipping,
    ...(trained.inputRange === undefined
      ? {}
      : { inputRange: { lower: Array.from(trained.inputRange.lower), upper: Array.from(trained.inputRange.upper) } }),
    inputTransform: c.inputTransform,
    inputEncoding: c.inputEncoding,
    ...(trained.encoding === undefined ? {} : { encodingBins: c.encodingBins, encodedInputs: encodedWidth(trained.encoding) }),
    hiddenLayers: c.hiddenLayers,
    activation: 'relu',
    optimizer: 'adam',
    learningRate: c.learningRate,
    batchSize: c.batchSize,
    maxEpochs: c.maxEpochs,
    patience: c.patience,
    l2: c.l2,
    weightAveraging: c.weightAveraging,
    negativeSampling: c.negativeSampling,
    negativeShare: trained.negativeSampling,
    seed: c.seed,
    classWeighting: c.classWeighting,
    positiveFactor: trained.positiveFactor,
    calibration: trained.calibration.kind,
    calibrationParameters: trained.calibration,
    earlyStopping: 'validation average precision (AUC-PR) after a Platt fit, of the averaged weights; best epoch restored',
    ensembleSize: c.ensembleSize,
    members: trained.members.map((m) => ({
      epochsRun: m.epochs.length,
      bestEpoch: m.bestEpoch,
      stoppedEarly: m.stoppedEarly,
      epochs: m.epochs.map((e) => ({ epoch: e.epoch, trainLoss: round(e.trainLoss), validationAucPr: round(e.validationScore) })),
    })),
    split: {
      kind: 'time-ordered',
      holdoutFraction: c.holdoutFraction,
      validationFraction: c.validationFraction,
      holdoutFrom: new Date(trained.split.holdoutFrom).toISOString(),
      validationFrom: new Date(trained.split.validationFrom).toISOString(),
      trainRows: trained.split.train.length,
      validationRows: trained.split.validation.length,
      holdoutRows: trained.split.holdout.length,
    },
    baseline: {
      kind: 'logistic regression (Newton/IRLS) on standardised features, same rows and weights, same calibration method',
      l2: c.baselineL2,
      iterations: trained.baseline.model.iterations,
    },
    tfjsBackend: trained.backend,
    seconds: { mlp: round(trained.seconds.mlp), baseline: round(trained.seconds.baseline), total: round(trained.seconds.total) },
    exportParity: { rows: parity.rows, maxAbsoluteDifference: parity.maxAbsoluteDifference, tolerance: 1e-5 },
  };
}

function calibrationName(kind: 'platt' | 'isotonic' | 'none'): string {
  return kind === 'platt' ? 'Platt' : kind === 'isotonic' ? 'isotonic' : 'no';
}

const round = (x: number): number => Number(x.toPrecision(6));

/** Writes the files into `<out>.writing`, then swaps the folder into place. */
export function writeModelFolder(out: string, overwrite: boolean, files: Readonly<Record<string, string | Uint8Array>>): void {
  const staging = join(dirname(out), `.${basename(out)}.writing`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
    if (overwrite) rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
