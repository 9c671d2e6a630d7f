import { FEATURE_COUNT, FEATURE_NAMES } from '../features/feature-spec.ts';
import { ageBand, NOT_RECORDED } from '../metrics/age-band.ts';

/**
 * The training-set CSV: one row per labelled inbound crossing.
 *
 *   <35 features in spec order, named after them>, label, weight, timestamp, port, sex, birthYear, ageBand, citizenship
 *
 * - features: exactly what the service's extractor computes for the crossing (point in time).
 * - label: 1 when a secondary inspection of the crossing found (or, in the simulator, would find)
 *   contraband, else 0.
 * - weight: 1, or 1/selection probability for crossings referred by random selection, so that
 *   weighted estimates stand for all traffic (DESIGN.md, selective labels); from the service's
 *   records also post-stratified by the model's recommendation (dataset-recorded.ts).
 * - timestamp: ISO 8601 with the port's offset, as the console sent it. port: 4-digit code.
 * - sex, birthYear, ageBand, citizenship: the driver's audit attributes, empty when not reported.
 *   For fairness analyses only: never features. A trainer must drop them (and timestamp, port).
 *
 * A header row names every column; values are plain numbers or unquoted codes, so the file loads
 * as it is in pandas (`pd.read_csv`) and XGBoost.
 */

export const LABEL_COLUMN = 'label';
export const WEIGHT_COLUMN = 'weight';
export const TIMESTAMP_COLUMN = 'timestamp';
export const PORT_COLUMN = 'port';
export const AUDIT_COLUMNS = ['sex', 'birthYear', 'ageBand', 'citizenship'] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** The audit attributes a group analysis splits on (birthYear is kept raw for other tools, ageBand is analysed). */
export const GROUP_ATTRIBUTES = ['sex', 'ageBand', 'citizenship'] as const;
export type GroupAttribute = (typeof GROUP_ATTRIBUTES)[number];

export const DATASET_COLUMNS: readonly string[] = [
  ...FEATURE_NAMES,
  LABEL_COLUMN,
  WEIGHT_COLUMN,
  TIMESTAMP_COLUMN,
  PORT_COLUMN,
  ...AUDIT_COLUMNS,
];

/** Columns that are not model inputs; `xgboost` and friends must drop them (test/bench does). */
export const NON_FEATURE_COLUMNS: readonly string[] = DATASET_COLUMNS.slice(FEATURE_COUNT);

export interface DriverAudit {
  readonly sex?: string;
  readonly birthYear?: number;
  readonly citizenship?: string;
}

export interface DatasetRow {
  readonly features: Float32Array;
  readonly label: 0 | 1;
  readonly weight: number;
  readonly timestamp: string;
  readonly port: string;
  readonly audit: DriverAudit | undefined;
}

/** The CSV fields of one row, in DATASET_COLUMNS order. */
export function datasetFields(row: DatasetRow): string[] {
  const fields: string[] = new Array<string>(DATASET_COLUMNS.length);
  for (let j = 0; j < FEATURE_COUNT; j++) fields[j] = formatFloat32(row.features[j]!);
  let k = FEATURE_COUNT;
  fields[k++] = String(row.label);
  fields[k++] = formatNumber(row.weight);
  fields[k++] = row.timestamp;
  fields[k++] = row.port;
  const audit = row.audit;
  fields[k++] = audit?.sex ?? '';
  fields[k++] = audit?.birthYear === undefined ? '' : String(audit.birthYear);
  // The monitoring's bands (metrics/age-band.ts); empty, as every missing attribute here, when not recorded.
  const band = ageBand(audit?.birthYear, Date.parse(row.timestamp));
  fields[k++] = band === NOT_RECORDED ? '' : band;
  fields[k++] = audit?.citizenship ?? '';
  return fields;
}

/**
 * The shortest decimal that reads back as the same float32: the vector the service computes
 * (Float32Array) survives the CSV bit for bit, in this trainer and in any float32 reader
 * (XGBoost's DMatrix), and the file stays small (0.5, not 0.5000000000000000).
 */
export function formatFloat32(x: number): string {
  if (Number.isInteger(x)) return String(x);
  for (let digits = 6; digits < 9; digits++) {
    const text = String(Number(x.toPrecision(digits)));
    if (Math.fround(Number(text)) === x) return text;
  }
  return String(Number(x.toPrecision(9)));
}

/** Up to 12 significant digits: weights such as 1/0.03 stay readable. */
export function formatNumber(x: number): string {
  return String(Number(x.toPrecision(12)));
}
