import { FEATURE_COUNT, FEATURE_NAMES } from '../features/feature-spec.ts';
import {
  GROUP_ATTRIBUTES,
  LABEL_COLUMN,
  PORT_COLUMN,
  TIMESTAMP_COLUMN,
  WEIGHT_COLUMN,
  type GroupAttribute,
} from './dataset-columns.ts';

/**
 * A training-set CSV in memory, column-wise: a row-major Float32 feature matrix (what the ONNX
 * model's `features` input takes) and one typed array per other column. A million rows of 35
 * features take 140 MB.
 *
 * Columns are found by name, so a CSV whose columns come in another order, or with extra
 * columns, still loads; a missing feature or label column is refused by name.
 */
export interface LabelledTable {
  readonly rows: number;
  /** rows × FEATURE_COUNT, row-major, spec order. */
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  /** 1, or 1/selection probability for random referrals. */
  readonly weights: Float64Array;
  /** Epoch ms. */
  readonly timestamps: Float64Array;
  /** As written in the file (ISO 8601 with offset). */
  readonly timestampTexts: readonly string[];
  readonly ports: readonly string[];
  /** Per audit attribute, one value per row ('' when not reported). */
  readonly groups: Readonly<Record<GroupAttribute, readonly string[]>>;
}

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

export interface TableBuilder {
  /** Adds one data row; `line` is its 1-based line in the file, for messages. */
  add(fields: readonly string[], line: number): void;
  finish(): LabelledTable;
}

export function createTableBuilder(header: readonly string[], source: string): TableBuilder {
  const position = new Map(header.map((name, i) => [name.trim(), i]));
  const required = (name: string): number => {
    const index = position.get(name);
    if (index === undefined) {
      throw new DatasetFormatError(`${source}: the header has no column '${name}' (the training-set columns are the feature names, label, weight, timestamp, port and audit columns)`);
    }
    return index;
  };
  const featureColumns = FEATURE_NAMES.map(required);
  const labelColumn = required(LABEL_COLUMN);
  const timestampColumn = required(TIMESTAMP_COLUMN);
  const weightColumn = position.get(WEIGHT_COLUMN);
  const portColumn = position.get(PORT_COLUMN);
  const groupColumns = GROUP_ATTRIBUTES.map((name) => position.get(name));

  let capacity = 1024;
  let rows = 0;
  let features = new Float32Array(capacity * FEATURE_COUNT);
  let labels = new Uint8Array(capacity);
  let weights = new Float64Array(capacity);
  let timestamps = new Float64Array(capacity);
  const timestampTexts: string[] = [];
  const ports: string[] = [];
  const groups = { sex: [] as string[], ageBand: [] as string[], citizenship: [] as string[] };

  const grow = (): void => {
    capacity *= 2;
    features = resized(features, capacity * FEATURE_COUNT);
    labels = resized(labels, capacity);
    weights = resized(weights, capacity);
    timestamps = resized(timestamps, capacity);
  };

  return {
    add(fields, line) {
      if (fields.length !== header.length) {
        throw new DatasetFormatError(`${source} line ${line}: ${fields.length} fields, the header has ${header.length}`);
      }
      if (rows === capacity) grow();
      const base = rows * FEATURE_COUNT;
      for (let j = 0; j < FEATURE_COUNT; j++) {
        const text = fields[featureColumns[j]!]!;
        const value = Number(text);
        if (text === '' || !Number.isFinite(value)) {
          throw new DatasetFormatError(`${source} line ${line}: column ${FEATURE_NAMES[j]}: '${text}' is not a finite number`);
        }
        features[base + j] = value;
      }
      const label = fields[labelColumn]!;
      if (label !== '0' && label !== '1') throw new DatasetFormatError(`${source} line ${line}: column label: '${label}' must be 0 or 1`);
      labels[rows] = label === '1' ? 1 : 0;
      if (weightColumn !== undefined) {
        const text = fields[weightColumn]!;
        const weight = Number(text);
        if (text === '' || !(weight > 0) || !Number.isFinite(weight)) {
          throw new DatasetFormatError(`${source} line ${line}: column weight: '${text}' must be a finite number above 0`);
        }
        weights[rows] = weight;
      } else {
        weights[rows] = 1;
      }
      const timestampText = fields[timestampColumn]!;
      const at = Date.parse(timestampText);
      if (Number.isNaN(at)) {
        throw new DatasetFormatError(`${source} line ${line}: column timestamp: '${timestampText}' is not an ISO 8601 date-time`);
      }
      timestamps[rows] = at;
      timestampTexts.push(timestampText);
      ports.push(portColumn === undefined ? '' : fields[portColumn]!);
      GROUP_ATTRIBUTES.forEach((name, g) => {
        const column = groupColumns[g];
        groups[name].push(column === undefined ? '' : fields[column]!);
      });
      rows++;
    },
    finish() {
      if (rows === 0) throw new DatasetFormatError(`${source}: no data rows`);
      return {
        rows,
        features: features.slice(0, rows * FEATURE_COUNT),
        labels: labels.slice(0, rows),
        weights: weights.slice(0, rows),
        timestamps: timestamps.slice(0, rows),
        timestampTexts,
        ports,
        groups,
      };
    },
  };
}

function resized<T extends Float32Array | Float64Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}
