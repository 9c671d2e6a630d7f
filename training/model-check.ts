import { readFile } from 'node:fs/promises';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';
import { ModelContractError, ONNX_METADATA_KEYS, shortHash, validateModelContract, type ModelContract } from '../models/model-contract.ts';
import type { ModelCard } from '../models/model-card.ts';
import { createModelSession, readOnnxFile, type OnnxFile } from '../models/onnx-file.ts';
import { ModelProtoType } from '../models/onnx-proto.ts';
import { CARD_FILE, MODEL_FILE } from '../models/read-card.ts';
import { buildModelCard } from './build-card.ts';
import { renderModelCardMarkdown } from './card-markdown.ts';
import { decisionAtReferralRate, evaluateScores, groupEvaluations, type ReferralDecision } from './evaluate.ts';
import { GOLDEN_FILE, pickGoldenRows } from './golden-rows.ts';
import type { LabelledTable } from './labelled-table.ts';
import { scoreMatrix } from './onnx-parity.ts';
import { cardDecision, refuseNoReferrals, type ShortfallContext } from './referral-shortfall.ts';
import { buildReference } from './reference.ts';
import { writeModelFolder } from './write-model.ts';

/**
 * `model:check`: brings a model trained elsewhere (XGBoost, LightGBM, scikit-learn through their
 * ONNX converters, or anything that meets the contract) into the registry:
 *
 * 1. the feature spec hash: from the ONNX metadata (`feature_spec_hash`), from a card, or given;
 *    it must be this build's, and there must be one (a model that does not say which features it
 *    was trained on is refused); metadata `feature_names`, when present, must be the spec's;
 * 2. the contract on a live onnxruntime session (models/model-contract.ts): input `features`
 *    float32 [N, 35], one probability per row ([N], [N, 1] or `probabilities` [N, 2]);
 * 3. every row of the CSV scored, every score a probability;
 * 4. the same evaluation and card as a trained model: metrics on these rows, threshold at the
 *    target referral rate, per-group metrics, reference distributions, occlusion baseline.
 */

export interface ModelCheckRequest {
  readonly onnxPath: string;
  readonly table: LabelledTable;
  readonly dataPath: string;
  readonly version: string;
  readonly name: string;
  /** A card (e.g. from the model's previous check) naming the feature spec hash and output name. */
  readonly cardPath?: string;
  /** The feature spec hash, when neither metadata nor card carries it. */
  readonly featureSpecHash?: string;
  /** The probability output, when the model has several and none has a usual name. */
  readonly outputName?: string;
  readonly targetReferralRate: number;
  readonly createdAt: string;
  readonly owners?: readonly string[];
}

export interface ModelCheckResult {
  readonly card: ModelCard;
  /** The card's threshold and what it achieves on the check data. */
  readonly decision: ReferralDecision;
  /** How messages about that decision name the rows. */
  readonly shortfallContext: ShortfallContext;
  readonly contract: ModelContract;
  readonly onnx: OnnxFile;
  readonly markdown: string;
  readonly golden: ReturnType<typeof pickGoldenRows>;
}

export async function checkExternalModel(request: ModelCheckRequest): Promise<ModelCheckResult> {
  const onnx = await readOnnxFile(request.onnxPath);
  const cardHints = request.cardPath === undefined ? undefined : await readCardHints(request.cardPath);
  const specHash = resolveSpecHash(request, onnx, cardHints?.featureSpecHash);
  checkFeatureNames(onnx);

  const session = await createModelSession(onnx.bytes, {}, request.onnxPath);
  let contract: ModelContract;
  let scores: Float32Array;
  try {
    contract = await validateModelContract(session, {
      expectedWidth: FEATURE_COUNT,
      expectedSpecHash: FEATURE_SPEC_HASH,
      metadataSpecHash: specHash,
      outputName: request.outputName ?? cardHints?.outputName,
    });
    scores = await scoreMatrix(session, contract, request.table.features);
  } finally {
    await session.release();
  }
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i]!;
    if (!(p >= 0 && p <= 1)) {
      throw new ModelContractError(
        `${request.onnxPath}: output '${contract.outputName}' gave ${p} for data row ${i + 1}; a probability lies in [0, 1]`,
      );
    }
  }

  const table = request.table;
  const rows = { labels: table.labels, weights: table.weights, scores };
  const decision = decisionAtReferralRate(rows, request.targetReferralRate);
  const threshold = decision.threshold;
  const allRows = Uint32Array.from({ length: table.rows }, (_, i) => i);
  const first = table.timestampTexts[earliest(table.timestamps)];
  const last = table.timestampTexts[latest(table.timestamps)];
  const graph = describeGraph(onnx.bytes);
  const card = buildModelCard(
    {
      version: request.version,
      name: request.name,
      createdAt: request.createdAt,
      architecture: `external ONNX model: ${graph.operators}`,
      framework: graph.producer,
      owners: request.owners ?? [],
      onnxSha256: onnx.sha256,
      onnxOutputName: contract.outputName,
      caveats: [
        'Trained outside this project: its training data, split and calibration are not known here. The metrics, thresholds, ' +
          'group analyses and reference distributions are measured on the check data named under Evaluation data; drift is ' +
          'measured against that data, not against the model\'s own training set.',
      ],
    },
    {
      decision: cardDecision(decision),
      metrics: { holdout: evaluateScores(rows) },
      quantitativeAnalyses: { groups: groupEvaluations(rows, table.groups, threshold) },
      trainingData: {
        source: `unknown: trained outside secondary-referral (${graph.producer})`,
        rows: 0,
        positives: 0,
        weighting: 'unknown',
      },
      evaluationData: {
        description: `Every row of ${request.dataPath} (model:check); weights from its weight column.`,
        ...(first === undefined ? {} : { from: first }),
        ...(last === undefined ? {} : { to: last }),
        rows: table.rows,
      },
      training: {
        kind: 'external',
        checkedBy: 'npm run model:check',
        onnxProducer: graph.producer,
        operators: graph.operators,
        contract: { inputName: contract.inputName, outputName: contract.outputName, outputForm: contract.outputForm },
        featureSpecHashFrom: specHashSource(request, onnx, cardHints?.featureSpecHash),
      },
      reference: buildReference(table.features, allRows, table.weights, scores),
    },
  );
  return {
    card,
    decision,
    shortfallContext: {
      rowsName: `rows of ${request.dataPath}`,
      advice: 'A model with few distinct scores (e.g. a small tree ensemble) ties many rows: try a larger --target-referral-rate or more --data rows.',
    },
    contract,
    onnx,
    markdown: renderModelCardMarkdown(card),
    golden: pickGoldenRows(table.features, table.labels, scores, request.version),
  };
}

/**
 * Writes a registry folder: the ONNX bytes as they were checked (same sha256), the card, the golden
 * rows. Refused (NoReferralsError, nothing written) when the card's threshold refers no row of the
 * check data, unless `allowNoReferrals` (training/referral-shortfall.ts says why).
 */
export function writeCheckedModel(result: ModelCheckResult, out: string, overwrite: boolean, allowNoReferrals = false): void {
  refuseNoReferrals(result.decision, result.shortfallContext, allowNoReferrals);
  writeModelFolder(out, overwrite, {
    [MODEL_FILE]: result.onnx.bytes,
    [CARD_FILE]: `${JSON.stringify(result.card, null, 2)}\n`,
    'card.md': result.markdown,
    [GOLDEN_FILE]: `${JSON.stringify(result.golden, null, 2)}\n`,
  });
}

interface CardHints {
  readonly featureSpecHash?: string;
  readonly outputName?: string;
}

/** Only the two fields model:check needs; the rest of an old card is rewritten anyway. */
async function readCardHints(path: string): Promise<CardHints> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ModelContractError(`--card ${path} is not readable JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const card = json as { featureSpec?: { hash?: unknown }; onnx?: { outputName?: unknown } };
  const hash = card.featureSpec?.hash;
  const output = card.onnx?.outputName;
  return {
    ...(typeof hash === 'string' ? { featureSpecHash: hash } : {}),
    ...(typeof output === 'string' ? { outputName: output } : {}),
  };
}

function resolveSpecHash(request: ModelCheckRequest, onnx: OnnxFile, cardHash: string | undefined): string {
  const candidates: [string, string | undefined][] = [
    [`ONNX metadata ${ONNX_METADATA_KEYS.featureSpecHash}`, onnx.metadata[ONNX_METADATA_KEYS.featureSpecHash]],
    [`card featureSpec.hash`, cardHash],
    ['--feature-spec-hash', request.featureSpecHash],
  ];
  const given = candidates.filter((c): c is [string, string] => c[1] !== undefined);
  if (given.length === 0) {
    throw new ModelContractError(
      `${request.onnxPath} does not say which feature spec it was trained on: add metadata_props ${ONNX_METADATA_KEYS.featureSpecHash} ` +
        `(Python: onnx.helper.set_model_props(model, {"${ONNX_METADATA_KEYS.featureSpecHash}": "${FEATURE_SPEC_HASH}"})), ` +
        `or pass --feature-spec-hash or --card; this build's hash is ${FEATURE_SPEC_HASH}`,
    );
  }
  for (const [source, hash] of given) {
    if (hash !== FEATURE_SPEC_HASH) {
      throw new ModelContractError(`${source} ${shortHash(hash)} differs from this build's feature spec hash ${shortHash(FEATURE_SPEC_HASH)}`);
    }
  }
  return given[0]![1];
}

function specHashSource(request: ModelCheckRequest, onnx: OnnxFile, cardHash: string | undefined): string {
  if (onnx.metadata[ONNX_METADATA_KEYS.featureSpecHash] !== undefined) return 'onnx metadata';
  if (cardHash !== undefined) return 'card';
  return request.featureSpecHash !== undefined ? 'command line' : 'none';
}

/** Metadata `feature_names`, when a converter wrote them: they must be the spec's, in order. */
function checkFeatureNames(onnx: OnnxFile): void {
  const text = onnx.metadata[ONNX_METADATA_KEYS.featureNames];
  if (text === undefined) return;
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    throw new ModelContractError(`ONNX metadata ${ONNX_METADATA_KEYS.featureNames} is not a JSON array of names`);
  }
  if (!Array.isArray(names)) throw new ModelContractError(`ONNX metadata ${ONNX_METADATA_KEYS.featureNames} is not a JSON array of names`);
  if (names.length !== FEATURE_COUNT) {
    throw new ModelContractError(`ONNX metadata ${ONNX_METADATA_KEYS.featureNames} has ${names.length} names, the feature spec has ${FEATURE_COUNT}`);
  }
  const at = FEATURE_NAMES.findIndex((name, i) => names[i] !== name);
  if (at !== -1) {
    throw new ModelContractError(
      `ONNX metadata ${ONNX_METADATA_KEYS.featureNames}[${at}] is '${String(names[at])}', the feature spec's column ${at} is '${FEATURE_NAMES[at]}'`,
    );
  }
}

/** The graph's operators and producer, for the card's model details. */
function describeGraph(bytes: Uint8Array): { operators: string; producer: string } {
  const model = ModelProtoType.toObject(ModelProtoType.decode(bytes)) as {
    producerName?: string;
    producerVersion?: string;
    graph?: { node?: { opType?: string; domain?: string }[] };
  };
  const operators = [...new Set((model.graph?.node ?? []).map((n) => (n.domain ? `${n.opType} (${n.domain})` : String(n.opType))))];
  const producer = [model.producerName, model.producerVersion].filter((x) => x !== undefined && x !== '').join(' ') || 'unknown producer';
  return { operators: operators.join(', ') || 'no operators', producer };
}

function earliest(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return best;
}

function latest(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
