/**
 * Training benchmark (npm run bench:train): for about 100k and 1M training rows,
 * - the time and peak memory of `npm run train` (read the CSV, train the MLP and the logistic
 *   baseline, export with the parity check, evaluate, write), each run in its own process so
 *   its peak resident memory is its own;
 * - holdout precision at a 1 % referral rate of the MLP, the logistic baseline and XGBoost
 *   trained on the same exported CSV with the same time-ordered split (Debian's python3-xgboost
 *   for /usr/bin/python3; "not installed" otherwise), all scored by the same metrics function,
 *   and the MLP − XGBoost difference with a paired bootstrap interval over the holdout rows.
 *
 * The training sets come from the simulator through `npm run dataset -- --sim` and are kept in
 * $BENCH_DIR (default /tmp/training-bench) for later runs. Prints a table.
 *
 *   npm run bench:train [-- --sizes 100000,1000000] [--keep-models]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { FEATURE_COUNT } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { bootstrapInterval, type Interval } from '../../metrics/intervals.ts';
import { precisionAtReferralRate } from '../../metrics/referral-rate.ts';
import { loadModel } from '../../models/load-model.ts';
import { createScorer } from '../../models/scorer.ts';
import { modelCardSchema } from '../../models/model-card.ts';
import { exportDataset } from '../../training/dataset.ts';
import type { LabelledTable } from '../../training/labelled-table.ts';
import { loadLabelledTable } from '../../training/load-dataset.ts';
import { SIMULATED_DATA_CAVEAT } from '../../training/model-card-text.ts';
import { createSimulationWriter } from '../../training/simulator/event-writer.ts';
import { createSimulation } from '../../training/simulator/simulate.ts';
import { parseTimeRange } from '../../training/time-range.ts';
import { timeOrderedSplit } from '../../training/time-split.ts';
import { trainAndWriteModel } from '../../training/train-command.ts';
import { DEFAULT_TRAINING_CONFIG } from '../../training/train-model.ts';

const BENCH_DIR = process.env.BENCH_DIR ?? '/tmp/training-bench';
const PYTHON = '/usr/bin/python3';
/** Inbound crossings per legitimate vehicle per simulated day, measured on the simulator (about 0.22). */
const INBOUND_PER_VEHICLE_DAY = 0.22;
const DAYS = 120;
/**
 * Simulated days before the exported period. The simulation starts with an empty history, so
 * without them every row's 365-day and first-seen features are truncated, and more so the earlier
 * the row: the training part (earliest) then sees smaller values than the validation and holdout
 * parts (measured: days since first seen at most 72 in training, above that in 84 % of validation
 * rows), an artefact no deployed store has. A year of history first, the longest feature window.
 */
const HISTORY_DAYS = 365;
const SIMULATION_START = '2025-01-01';

interface ChildReport {
  readonly rows: number;
  readonly loadSeconds: number;
  readonly trainSeconds: number;
  readonly mlpSeconds: number;
  readonly epochs: number;
  readonly writeSeconds: number;
  readonly totalSeconds: number;
  readonly maxRssMiB: number;
  /** null when the 1 % threshold refers nothing (tied top scores). */
  readonly mlpPrecision: number | null;
  readonly baselinePrecision: number | null;
}

// ---------------------------------------------------------------------------------------------
// Child mode: one training run, reporting its own time and peak memory as the last stdout line.

async function runChild(data: string, out: string): Promise<void> {
  const started = performance.now();
  const result = await trainAndWriteModel(
    {
      data,
      out,
      version: 'bench',
      name: 'benchmark',
      owners: [],
      caveats: [SIMULATED_DATA_CAVEAT],
      overwrite: true,
      config: DEFAULT_TRAINING_CONFIG,
    },
    (line) => process.stderr.write(`    ${line}\n`),
  );
  const card = result.card;
  const at1 = (e: typeof card.metrics.holdout) => e.atReferralRates.find((p) => p.referralRate === 0.01)!.precision;
  const training = card.training as {
    seconds: { mlp: number };
    members: { epochsRun: number; bestEpoch: number }[];
    split: { trainRows: number; validationRows: number; holdoutRows: number };
  };
  const report: ChildReport = {
    rows: training.split.trainRows + training.split.validationRows + training.split.holdoutRows,
    loadSeconds: result.seconds.load,
    trainSeconds: result.seconds.train,
    mlpSeconds: training.seconds.mlp,
    epochs: training.members.reduce((sum, m) => sum + m.epochsRun, 0),
    writeSeconds: result.seconds.write,
    totalSeconds: (performance.now() - started) / 1000,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    mlpPrecision: at1(card.metrics.holdout),
    baselinePrecision: at1(card.metrics.baseline!),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Datasets: simulate about `rows` inbound crossings, export them, keep the first `rows` rows.

async function datasetOf(rows: number): Promise<{ path: string; seconds: number | null }> {
  const path = join(BENCH_DIR, `train-h${HISTORY_DAYS}-${rows}.csv`);
  if (existsSync(path)) return { path, seconds: null };
  const started = performance.now();
  const work = join(BENCH_DIR, `work-${rows}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // 5 % more vehicles than the estimate, so the simulation yields at least `rows` rows.
  const vehicles = Math.ceil((rows / (INBOUND_PER_VEHICLE_DAY * DAYS)) * 1.05);
  process.stderr.write(`  simulating ${vehicles} vehicles over ${HISTORY_DAYS} + ${DAYS} days for ${rows} rows\n`);
  const simulation = createSimulation({ seed: 7, vehicles, days: HISTORY_DAYS + DAYS, start: SIMULATION_START });
  const writer = createSimulationWriter(join(work, 'sim'), simulation.plan);
  for (const crossing of simulation.crossings) writer.write(crossing);
  writer.close();
  const full = join(work, 'full.csv');
  await exportDataset({
    source: { kind: 'sim', dir: join(work, 'sim') },
    range: parseTimeRange(new Date(Date.parse(SIMULATION_START) + HISTORY_DAYS * 86_400_000).toISOString().slice(0, 10), undefined),
    out: full,
    workDir: work,
    log: (line) => process.stderr.write(`    ${line}\n`),
  });
  await headLines(full, path, rows + 1);
  rmSync(work, { recursive: true, force: true });
  return { path, seconds: (performance.now() - started) / 1000 };
}

async function headLines(from: string, to: string, count: number): Promise<void> {
  const output = createWriteStream(to);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    if (n++ >= count) break;
    if (!output.write(`${line}\n`)) await once(output, 'drain');
  }
  output.end();
  await once(output, 'finish');
}

// ---------------------------------------------------------------------------------------------
// XGBoost on the same CSV and split: Python trains and writes holdout probabilities; the
// precision is computed here with the same metrics function as the MLP's.

const XGBOOST_SCRIPT = `
import sys, time, json
import numpy as np, pandas as pd, xgboost as xgb
csv, split_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
non_features = ['label', 'weight', 'timestamp', 'port', 'sex', 'birthYear', 'ageBand', 'citizenship']
frame = pd.read_csv(csv, dtype={'port': str, 'sex': str, 'ageBand': str, 'citizenship': str})
features = frame.drop(columns=non_features).to_numpy(dtype=np.float32)
labels = frame['label'].to_numpy()
weights = frame['weight'].to_numpy()
part = np.fromfile(split_path, dtype=np.uint8)  # 0 train, 1 validation, 2 holdout
started = time.time()
train = xgb.DMatrix(features[part == 0], labels[part == 0], weight=weights[part == 0])
valid = xgb.DMatrix(features[part == 1], labels[part == 1], weight=weights[part == 1])
params = dict(objective='binary:logistic', eval_metric='aucpr', tree_method='hist', max_depth=6, eta=0.1,
              subsample=0.8, colsample_bytree=0.8, min_child_weight=1, nthread=2, seed=1)
booster = xgb.train(params, train, num_boost_round=1000, evals=[(valid, 'validation')], early_stopping_rounds=50, verbose_eval=False)
holdout = xgb.DMatrix(features[part == 2])
p = booster.predict(holdout, iteration_range=(0, booster.best_iteration + 1)).astype(np.float64)
p.tofile(out_path)
print(json.dumps({'seconds': time.time() - started, 'rounds': booster.best_iteration + 1, 'version': xgb.__version__}))
`;

function xgboostAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import xgboost, pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface XgboostResult {
  readonly precision: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly version: string;
  readonly table: LabelledTable;
  /** Holdout row indices, ascending (the order of `scores`). */
  readonly holdoutRows: readonly number[];
  readonly labels: readonly number[];
  readonly weights: readonly number[];
  readonly scores: Float64Array;
}

async function xgboostPrecision(csv: string): Promise<XgboostResult> {
  const table = await loadLabelledTable(csv);
  const c = DEFAULT_TRAINING_CONFIG;
  const split = timeOrderedSplit(table.timestamps, { holdoutFraction: c.holdoutFraction, validationFraction: c.validationFraction });
  const part = new Uint8Array(table.rows);
  for (const r of split.validation) part[r] = 1;
  for (const r of split.holdout) part[r] = 2;
  const splitPath = `${csv}.split`;
  const scoresPath = `${csv}.xgboost-scores`;
  const scriptPath = join(BENCH_DIR, 'xgboost-bench.py');
  writeFileSync(splitPath, part);
  writeFileSync(scriptPath, XGBOOST_SCRIPT);
  const output = execFileSync(PYTHON, [scriptPath, csv, splitPath, scoresPath], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const info = JSON.parse(output.trim().split('\n').pop()!) as { seconds: number; rounds: number; version: string };
  const bytes = readFileSync(scoresPath);
  const scores = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  // Holdout rows in the order Python saw them: ascending row index.
  const holdoutRows = Array.from(split.holdout).sort((a, b) => a - b);
  const labels = holdoutRows.map((r) => table.labels[r]!);
  const weights = holdoutRows.map((r) => table.weights[r]!);
  return { precision: precisionAtReferralRate(labels, scores, 0.01, weights) ?? 0, holdoutRows, labels, weights, scores, table, ...info };
}

/**
 * MLP minus XGBoost precision at 1 % referral on the same holdout, with a paired percentile
 * bootstrap interval (holdout rows resampled with replacement, both models scored on each
 * resample), so a difference of a few hits reads against its noise.
 */
async function pairedComparison(modelDir: string, xgboost: XgboostResult): Promise<{ difference: number; interval: Interval | null }> {
  const model = await loadModel(modelDir);
  try {
    const scorer = createScorer({ session: model.session, card: model.card });
    const { holdoutRows, labels, weights, table } = xgboost;
    const width = FEATURE_COUNT;
    const mlp = new Float64Array(holdoutRows.length);
    const chunk = 8192;
    for (let start = 0; start < holdoutRows.length; start += chunk) {
      const count = Math.min(chunk, holdoutRows.length - start);
      const rows = new Float32Array(count * width);
      for (let i = 0; i < count; i++) rows.set(table.features.subarray(holdoutRows[start + i]! * width, (holdoutRows[start + i]! + 1) * width), i * width);
      mlp.set(await scorer.score(rows, count), start);
    }
    const precisionDifference = (index: ArrayLike<number>): number | null => {
      const l = Array.from(index, (i) => labels[i]!);
      const w = Array.from(index, (i) => weights[i]!);
      const a = precisionAtReferralRate(l, Array.from(index, (i) => mlp[i]!), 0.01, w);
      const b = precisionAtReferralRate(l, Array.from(index, (i) => xgboost.scores[i]!), 0.01, w);
      return a === null || b === null ? null : a - b;
    };
    const n = holdoutRows.length;
    const all = Array.from({ length: n }, (_, i) => i);
    const resample = new Uint32Array(n);
    const interval = bootstrapInterval(
      (random) => {
        for (let i = 0; i < n; i++) resample[i] = random.int(n);
        return precisionDifference(resample);
      },
      createRandom(11),
      { replicates: 200 },
    );
    return { difference: precisionDifference(all) ?? Number.NaN, interval };
  } finally {
    await model.session.release();
  }
}

// ---------------------------------------------------------------------------------------------

async function trainInChild(data: string, out: string): Promise<ChildReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--data', data, '--out', out], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`training child exited with code ${code}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
      data: { type: 'string' },
      out: { type: 'string' },
      sizes: { type: 'string' },
      'keep-models': { type: 'boolean' },
    },
  });
  if (values.child) {
    await runChild(values.data!, values.out!);
    return;
  }
  mkdirSync(BENCH_DIR, { recursive: true });
  const sizes = (values.sizes ?? '100000,1000000').split(',').map(Number);
  const haveXgboost = xgboostAvailable();
  const results: Record<string, string | number>[] = [];
  for (const rows of sizes) {
    process.stderr.write(`training set of ${rows} rows\n`);
    const dataset = await datasetOf(rows);
    const out = join(BENCH_DIR, `model-${rows}`);
    process.stderr.write(`  npm run train on ${dataset.path}\n`);
    const report = await trainInChild(dataset.path, out);
    modelCardSchema.parse(JSON.parse(readFileSync(join(out, 'card.json'), 'utf8')));
    let xgboost: XgboostResult | undefined;
    let paired: Awaited<ReturnType<typeof pairedComparison>> | undefined;
    if (haveXgboost) {
      process.stderr.write('  XGBoost on the same CSV and split\n');
      xgboost = await xgboostPrecision(dataset.path);
      process.stderr.write('  paired bootstrap of the precision difference (200 resamples of the holdout)\n');
      paired = await pairedComparison(out, xgboost);
    }
    if (!values['keep-models']) rmSync(out, { recursive: true, force: true });
    results.push({
      rows: report.rows,
      'dataset build s': dataset.seconds === null ? 'cached' : Number(dataset.seconds.toFixed(0)),
      'train total s': Number(report.totalSeconds.toFixed(1)),
      'read CSV s': Number(report.loadSeconds.toFixed(1)),
      'MLP s (epochs)': `${report.mlpSeconds.toFixed(1)} (${report.epochs})`,
      'export+eval s': Number(report.writeSeconds.toFixed(1)),
      'peak RSS MiB': Math.round(report.maxRssMiB),
      'P@1% MLP': report.mlpPrecision === null ? '–' : Number(report.mlpPrecision.toFixed(4)),
      'P@1% logistic': report.baselinePrecision === null ? '–' : Number(report.baselinePrecision.toFixed(4)),
      'P@1% XGBoost': xgboost === undefined ? 'not installed' : Number(xgboost.precision.toFixed(4)),
      'XGBoost s (rounds)': xgboost === undefined ? '–' : `${xgboost.seconds.toFixed(1)} (${xgboost.rounds})`,
      'MLP − XGBoost [95 % CI]':
        paired === undefined
          ? '–'
          : `${paired.difference.toFixed(4)} [${paired.interval === null ? '?' : `${paired.interval.lower.toFixed(4)}, ${paired.interval.upper.toFixed(4)}`}]`,
    });
  }
  console.table(results);
  if (haveXgboost) process.stdout.write(`XGBoost: ${PYTHON}, tree_method=hist, depth 6, eta 0.1, early stopping on validation AUC-PR\n`);
  process.stdout.write('Targets: 1M rows trained in <= 10 minutes on 2 cores; MLP precision at 1 % >= XGBoost\'s.\n');
}

await main();
