import { createWriteStream } from 'node:fs';
import { FEATURE_COUNT, FEATURE_INDEX } from '../../features/feature-spec.ts';
import { createCsvWriter } from '../../lib/csv.ts';
import { DATASET_COLUMNS, datasetFields } from '../../training/dataset-columns.ts';
import { createRandom } from '../../lib/random.ts';
import type { LabelledTable } from '../../training/labelled-table.ts';
import { DEFAULT_TRAINING_CONFIG, type TrainingConfig } from '../../training/train-model.ts';

/**
 * A synthetic training table for trainer and export tests: one crossing every 10 minutes from
 * 2025-01-01, features drawn at random, label from a known logistic model in three features
 * (few crossings, a recent ownership change, a general lane), about 16 % positive, audit columns
 * cycling through a few groups.
 */
export function syntheticTable(rows: number, seed = 1): LabelledTable {
  const random = createRandom(seed);
  const features = new Float32Array(rows * FEATURE_COUNT);
  const labels = new Uint8Array(rows);
  const timestamps = new Float64Array(rows);
  const timestampTexts: string[] = [];
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < rows; i++) {
    const row = features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    for (let j = 0; j < FEATURE_COUNT; j++) row[j] = Math.fround(random.next() * 10);
    row[FEATURE_INDEX.vehicleCrossings30d] = random.int(40);
    row[FEATURE_INDEX.daysSinceOwnershipChange] = Math.fround(random.next() * 3650);
    row[FEATURE_INDEX.laneGeneral] = random.chance(0.4) ? 1 : 0;
    const z =
      1.5 -
      0.15 * row[FEATURE_INDEX.vehicleCrossings30d]! -
      0.001 * row[FEATURE_INDEX.daysSinceOwnershipChange]! +
      1.2 * row[FEATURE_INDEX.laneGeneral]!;
    labels[i] = random.chance(1 / (1 + Math.exp(-z))) ? 1 : 0;
    timestamps[i] = start + i * 600_000;
    timestampTexts.push(new Date(timestamps[i]!).toISOString().replace('Z', '+00:00'));
  }
  const cycle = <T>(values: readonly T[]): T[] => Array.from({ length: rows }, (_, i) => values[i % values.length]!);
  return {
    rows,
    features,
    labels,
    weights: new Float64Array(rows).fill(1),
    timestamps,
    timestampTexts,
    ports: cycle(['2504', '0250']),
    groups: { sex: cycle(['female', 'male', '']), ageBand: cycle(['25-34', '45-54']), citizenship: cycle(['USA', 'MEX', 'CAN']) },
  };
}

/** A few quick epochs of a small network: enough to learn, fast enough for a test. */
export const QUICK_CONFIG: TrainingConfig = {
  ...DEFAULT_TRAINING_CONFIG,
  hiddenLayers: [8, 4],
  maxEpochs: 3,
  patience: 3,
  batchSize: 128,
  learningRate: 0.01,
};

/** Writes a table as a training-set CSV (the dataset's own column layout and formatting). */
export async function writeTableCsv(table: LabelledTable, path: string): Promise<void> {
  const writer = createCsvWriter(createWriteStream(path), { header: DATASET_COLUMNS, lineBreak: '\n' });
  for (let i = 0; i < table.rows; i++) {
    const sex = table.groups.sex[i]!;
    const citizenship = table.groups.citizenship[i]!;
    await writer.write(
      datasetFields({
        features: table.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT),
        label: table.labels[i] === 1 ? 1 : 0,
        weight: table.weights[i]!,
        timestamp: table.timestampTexts[i]!,
        port: table.ports[i]!,
        audit: { ...(sex === '' ? {} : { sex }), ...(citizenship === '' ? {} : { citizenship }), birthYear: 1970 + (i % 40) },
      }),
    );
  }
  await writer.end();
}
