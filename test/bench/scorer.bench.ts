/**
 * onnxruntime-node scoring cost for the service's batches: 1 row (a plain score) and 27 rows
 * (the row plus one occlusion per reason group), through createScorer and through raw
 * session.run variants, for the MLP shapes the trainer produces and for a tree ensemble.
 *
 *   npx tsx test/bench/scorer.bench.ts [--iterations 20000]
 *
 * Prints µs per call (mean of wall time over sequential awaited calls, and p50/p99) and CPU µs
 * per call. A shared machine makes these noisy: compare rows within one run.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH, REASON_GROUPS } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { createModelSession } from '../../models/onnx-file.ts';
import { createScorer } from '../../models/scorer.ts';
import { exportMlpToOnnx, type DenseLayer, type OnnxCalibration } from '../../training/onnx/export-mlp.ts';
import { buildTreeEnsembleClassifier, type TreeNode } from '../../training/onnx/tree-ensemble.ts';
import { minimalCard } from '../models/model-fixtures.ts';

const iterationsArg = process.argv.indexOf('--iterations');
const ITERATIONS = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 20_000;
const OCCLUSION_BATCH = 1 + REASON_GROUPS.length;
const random = createRandom(7);

function randomLayers(sizes: readonly number[]): DenseLayer[] {
  return sizes.slice(1).map((units, k) => {
    const inputs = sizes[k]!;
    const weights = Float32Array.from({ length: inputs * units }, () => random.normal() / Math.sqrt(inputs));
    const bias = Float32Array.from({ length: units }, () => random.normal() * 0.1);
    return { weights, bias, activation: k === sizes.length - 2 ? 'linear' : 'relu' };
  });
}

function mlpBytes(hidden: readonly number[], calibration: OnnxCalibration): Uint8Array {
  return exportMlpToOnnx({
    inputNormalization: { mean: new Float32Array(FEATURE_COUNT), std: new Float32Array(FEATURE_COUNT).fill(1) },
    layers: randomLayers([FEATURE_COUNT, ...hidden, 1]),
    calibration,
    metadata: { modelVersion: 'bench', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  });
}

function randomTree(depth: number): TreeNode {
  if (depth === 0) return { leaf: random.normal() * 0.1 };
  return { feature: random.int(FEATURE_COUNT), threshold: random.normal(), ifTrue: randomTree(depth - 1), ifFalse: randomTree(depth - 1) };
}

const isotonic: OnnxCalibration = {
  kind: 'isotonic',
  x: Array.from({ length: 200 }, (_, k) => -6 + (12 * k) / 199),
  y: Array.from({ length: 200 }, (_, k) => k / 199),
};

const models: { name: string; bytes: Uint8Array }[] = [
  { name: 'MLP 35-32-16-1 platt', bytes: mlpBytes([32, 16], { kind: 'platt', a: 1.2, b: -3 }) },
  { name: 'MLP 35-32-64-32-1 platt', bytes: mlpBytes([32, 64, 32], { kind: 'platt', a: 1.2, b: -3 }) },
  { name: 'MLP 35-32-16-1 isotonic(200)', bytes: mlpBytes([32, 16], isotonic) },
  {
    name: 'trees 100 × depth 6',
    bytes: buildTreeEnsembleClassifier({ featureCount: FEATURE_COUNT, aggregation: 'margin', trees: Array.from({ length: 100 }, () => randomTree(6)) }),
  },
];

interface Measured {
  meanUs: number;
  p50Us: number;
  p99Us: number;
  cpuUs: number;
}

async function measure(call: () => Promise<unknown>): Promise<Measured> {
  for (let i = 0; i < 500; i++) await call();
  const times = new Float64Array(ITERATIONS);
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalUs = Number(process.hrtime.bigint() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  times.sort();
  return {
    meanUs: totalUs / ITERATIONS,
    p50Us: times[Math.floor(ITERATIONS * 0.5)]!,
    p99Us: times[Math.floor(ITERATIONS * 0.99)]!,
    cpuUs: (cpu.user + cpu.system) / ITERATIONS,
  };
}

function rowsOf(count: number): Float32Array {
  return Float32Array.from({ length: count * FEATURE_COUNT }, () => random.normal());
}

const table: Record<string, string | number>[] = [];
const fmt = (x: number): number => Math.round(x * 10) / 10;

for (const model of models) {
  for (const threads of [1, 2]) {
    const session: InferenceSession = await createModelSession(model.bytes, { intraOpNumThreads: threads });
    const outputName = session.outputNames.includes('probability') ? 'probability' : 'probabilities';
    const scorer = createScorer({ session, card: minimalCard({ outputName }) });
    for (const count of [1, OCCLUSION_BATCH]) {
      const rows = rowsOf(count);
      const variants: [string, () => Promise<unknown>][] = [
        ['createScorer().score', () => scorer.score(rows, count)],
        ['session.run, all outputs', () => session.run({ features: new Tensor('float32', rows, [count, FEATURE_COUNT]) })],
      ];
      if (threads === 1 && outputName === 'probability') {
        const preallocated = new Tensor('float32', new Float32Array(count), [count, 1]);
        variants.push(['session.run, pre-allocated output', () => session.run({ features: new Tensor('float32', rows, [count, FEATURE_COUNT]) }, { probability: preallocated })]);
      }
      for (const [variant, call] of variants) {
        if (threads === 2 && variant !== 'createScorer().score') continue;
        const m = await measure(call);
        table.push({ model: model.name, threads, rows: count, variant, 'mean µs': fmt(m.meanUs), 'p50 µs': fmt(m.p50Us), 'p99 µs': fmt(m.p99Us), 'cpu µs': fmt(m.cpuUs) });
      }
    }
    await session.release();
  }
}

console.log(`onnxruntime-node scoring, ${ITERATIONS} sequential calls per row (wall time includes the binding's setImmediate hop)`);
console.table(table);
