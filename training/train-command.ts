import type { Evaluation } from '../models/model-card.ts';
import { averagePrecision } from '../metrics/ranking.ts';
import { loadLabelledTable } from './load-dataset.ts';
import { loadTensorflow } from './tensorflow.ts';
import { trainReferralModel, type TrainingConfig } from './train-model.ts';
import { measuredAt } from './card-markdown.ts';
import { describeDecision, referralShortfallWarning } from './referral-shortfall.ts';
import { holdoutShortfall, writeTrainedModel, type WrittenModel } from './write-model.ts';

/**
 * `npm run train` as a function (the CLI, `train:default` and the benchmark call it): load the
 * CSV, train, export with the parity check, write the folder, and summarise the holdout
 * metrics of the MLP beside its logistic-regression baseline.
 */
export interface TrainCommand {
  readonly data: string;
  readonly out: string;
  readonly version: string;
  readonly name: string;
  readonly owners: readonly string[];
  readonly caveats: readonly string[];
  readonly overwrite: boolean;
  readonly config: TrainingConfig;
  /** Described on the card; default: the CSV's path. */
  readonly dataSource?: string;
  /** Write the model even when its threshold refers no holdout crossing (training/referral-shortfall.ts). */
  readonly allowNoReferrals?: boolean;
}

export interface TrainCommandResult extends WrittenModel {
  readonly summary: string;
  readonly seconds: { readonly load: number; readonly train: number; readonly write: number };
}

export async function trainAndWriteModel(command: TrainCommand, log: (line: string) => void): Promise<TrainCommandResult> {
  const started = performance.now();
  log(`reading ${command.data}`);
  const table = await loadLabelledTable(command.data, (rows) => log(`  ${rows.toLocaleString('en-US')} rows`));
  let positives = 0;
  for (const y of table.labels) positives += y;
  log(`${table.rows.toLocaleString('en-US')} rows, ${positives.toLocaleString('en-US')} positive`);
  const loaded = performance.now();

  const { tf, backend } = await loadTensorflow();
  log(`tfjs backend: ${backend}`);
  const trained = await trainReferralModel({
    tf,
    backend,
    table,
    config: command.config,
    // Early stopping watches the validation AUC-PR: what a referral budget of a few percent rewards.
    validationScore: (probabilities, labels, weights) => averagePrecision(labels, probabilities, weights) ?? 0,
    log,
  });
  const trainedAt = performance.now();

  const written = await writeTrainedModel(trained, table, {
    out: command.out,
    version: command.version,
    name: command.name,
    dataSource: command.dataSource ?? command.data,
    caveats: command.caveats,
    owners: command.owners,
    createdAt: new Date().toISOString(),
    overwrite: command.overwrite,
    allowNoReferrals: command.allowNoReferrals ?? false,
  });
  const done = performance.now();
  log(
    `export checked: onnxruntime matches tfjs + calibration on ${written.parity.rows} holdout rows ` +
      `(max |difference| ${written.parity.maxAbsoluteDifference.toExponential(2)})`,
  );
  // In the summary, right under the threshold it is about (the CLIs print the summary last).
  const shortfall = holdoutShortfall(trained.calibration.kind);
  const warning = referralShortfallWarning(written.decision, shortfall);
  const summary = [
    `wrote ${command.out} (model.onnx sha256 ${written.sha256.slice(0, 12)}…, card.json, card.md, golden.json)`,
    describeDecision(written.decision, shortfall.rowsName),
    ...(warning === undefined ? [] : [warning]),
    '',
    comparisonTable(written.card.metrics.holdout, written.card.metrics.baseline),
  ].join('\n');
  return {
    ...written,
    summary,
    seconds: { load: (loaded - started) / 1000, train: (trainedAt - loaded) / 1000, write: (done - trainedAt) / 1000 },
  };
}

/** Holdout metrics, the model beside the baseline, as an aligned text table ('–' where a metric is undefined). */
export function comparisonTable(model: Evaluation, baseline: Evaluation | undefined, labels = ['holdout metric', 'MLP', 'logistic baseline']): string {
  const rows: [string, string, string][] = [[labels[0]!, labels[1]!, labels[2]!]];
  const text = (x: number | null): string => (x === null ? '–' : x.toFixed(4));
  const add = (name: string, value: (e: Evaluation) => number | null, suffix: (e: Evaluation) => string = () => ''): void => {
    rows.push([name, text(value(model)) + suffix(model), baseline === undefined ? '' : text(value(baseline)) + suffix(baseline)]);
  };
  add('AUC-ROC', (e) => e.aucRoc);
  add('AUC-PR', (e) => e.aucPr);
  for (const point of model.atReferralRates) {
    const rate = point.referralRate;
    const at = (e: Evaluation) => e.atReferralRates.find((p) => p.referralRate === rate)!;
    add(`precision at ${(rate * 100).toFixed(1)} %`, (e) => at(e).precision, (e) => measuredAt(at(e)));
    add(`recall at ${(rate * 100).toFixed(1)} %`, (e) => at(e).recall, (e) => measuredAt(at(e)));
  }
  add('expected calibration error', (e) => e.expectedCalibrationError);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => `${r[0].padEnd(widths[0]!)}  ${r[1].padStart(widths[1]!)}  ${r[2].padStart(widths[2]!)}`).join('\n');
}
