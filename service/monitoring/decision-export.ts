import type { Writable } from 'node:stream';
import { createCsvWriter, type CsvValue } from '../../lib/csv.ts';
import type { SqliteDatabase } from '../../store/sqlite/database.ts';
import type { OccupantAudit } from '../decisions/decision-record.ts';
import type { DecisionRow, OutcomeRow } from '../decisions/decision-rows.ts';
import { unitGroup } from './audit-groups.ts';
import { usableLabel, type CountedDecision } from './decision-cells.ts';

/**
 * The decision export (GET /v1/decisions/export): decisions with the outcome in force for them, as
 * CSV (lib/csv.ts, RFC 4180), in crossing-time order. Its columns are the audit CLI's inputs, so
 *
 *   npm run audit -- --input export.csv --label label --prediction model_referral \
 *     --weight ipw_weight --attributes sex,age_band,citizenship
 *
 * prints the same group table as GET /v1/monitoring/fairness (rows=occupant ↔ unit=occupant, the
 * default; rows=decision ↔ unit=driver), from the same functions.
 *
 * Columns that carry the definitions of decision-cells.ts:
 *   model_referral   1 when the model recommended referral (score >= threshold): the prediction
 *   label            the usable label: 1 seizure, 0 no seizure, empty when the decision has no
 *                    inspection result or one the policy did not cause (an officer's own referral)
 *   ipw_weight       1 / referral_propensity: the inverse-propensity weight of a usable label
 *   inspected_label  any inspection result, officers' own referrals included (not for estimates)
 *   sex, age_band, citizenship, unit_role, unit_index
 *                    the fairness unit's attributes (audit-groups.ts): the driver's with
 *                    rows=decision, each occupant's (one row each) with rows=occupant
 * No identifier (hashed or not), feature vector or reason text is exported.
 */

export const EXPORT_ROWS = ['decision', 'occupant'] as const;
export type ExportRows = (typeof EXPORT_ROWS)[number];

export const EXPORT_COLUMNS = [
  'decision_id',
  'decided_at',
  'crossing_at',
  'utc_offset_minutes',
  'port',
  'lane',
  'model_version',
  'feature_spec_hash',
  'score',
  'threshold',
  'threshold_source',
  'model_recommendation',
  'model_referral',
  'randomly_selected',
  'random_referral_rate',
  'referral_propensity',
  'ipw_weight',
  'recommendation',
  'selection',
  'outcome_recorded_at',
  'outcome_observed_at',
  'outcome_referred',
  'outcome_reason',
  'outcome_result',
  'seized_categories',
  'inspected_label',
  'label',
  'occupants',
  'unit_index',
  'unit_role',
  'sex',
  'age_band',
  'citizenship',
] as const;

/** A decision row joined with its outcome in force (null columns when it has none). */
export type ExportRow = Pick<
  DecisionRow,
  | 'seq'
  | 'id'
  | 'decided_at'
  | 'crossing_at'
  | 'utc_offset_minutes'
  | 'port'
  | 'lane'
  | 'model_version'
  | 'feature_spec_hash'
  | 'score'
  | 'threshold'
  | 'threshold_source'
  | 'model_recommendation'
  | 'randomly_selected'
  | 'random_referral_rate'
  | 'referral_propensity'
  | 'recommendation'
  | 'selection'
  | 'driver_index'
  | 'audit'
> & { [K in 'recorded_at' | 'observed_at' | 'referred' | 'reason' | 'result' | 'items']: OutcomeRow[K] | null };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const flag = (b: boolean): number => (b ? 1 : 0);

/** The CSV records of one decision row: one, or one per occupant. */
export function exportRecords(row: ExportRow, rows: ExportRows): CsvValue[][] {
  const audit = JSON.parse(row.audit) as OccupantAudit[];
  const decision: Pick<CountedDecision, 'modelRecommendation' | 'randomlySelected' | 'referralPropensity'> = {
    modelRecommendation: row.model_recommendation as CountedDecision['modelRecommendation'],
    randomlySelected: row.randomly_selected === 1,
    referralPropensity: row.referral_propensity,
  };
  const outcome = row.referred === null ? null : { referred: row.referred === 1, result: row.result as 'seizure' | 'no_seizure' | null };
  const usable = usableLabel(decision as CountedDecision, outcome);
  const categories =
    row.items === null ? null : [...new Set((JSON.parse(row.items) as { category: string }[]).map((i) => i.category))].sort().join(';');
  const common: CsvValue[] = [
    row.id,
    iso(row.decided_at),
    iso(row.crossing_at),
    row.utc_offset_minutes,
    row.port,
    row.lane,
    row.model_version,
    row.feature_spec_hash,
    row.score,
    row.threshold,
    row.threshold_source,
    row.model_recommendation,
    flag(row.model_recommendation === 'refer'),
    row.randomly_selected,
    row.random_referral_rate,
    row.referral_propensity,
    row.referral_propensity > 0 ? 1 / row.referral_propensity : null,
    row.recommendation,
    row.selection,
    iso(row.recorded_at),
    iso(row.observed_at),
    row.referred,
    row.reason,
    row.result,
    categories === '' ? null : categories,
    row.result === null ? null : flag(row.result === 'seizure'),
    usable === null ? null : usable.label,
    audit.length,
  ];
  const unit = (index: number): CsvValue[] => {
    const occupant = audit[index] ?? { role: 'driver' as const };
    const g = unitGroup(occupant, row.crossing_at);
    return [...common, index, g.role, g.sex, g.ageBand, g.citizenship];
  };
  return rows === 'decision' ? [unit(row.driver_index)] : audit.map((_, i) => unit(i));
}

export interface ExportQuery {
  readonly from: number;
  readonly to: number;
  readonly port?: string | undefined;
  readonly model?: string | undefined;
  readonly rows: ExportRows;
}

/**
 * Writes the export to `sink` page by page (keyset pagination on crossing time and seq): each page
 * is read whole with `.all()`, so the read connection is never held by an open cursor while the
 * writer waits for the client (history lookups for /v1/score share that connection).
 */
export async function writeDecisionExport(db: SqliteDatabase, query: ExportQuery, sink: Writable, pageSize = 2000): Promise<number> {
  const page = db.prepare<[{ at: number; seq: number; to: number; port: string | null; model: string | null; limit: number }], ExportRow>(
    `SELECT d.seq, d.id, d.decided_at, d.crossing_at, d.utc_offset_minutes, d.port, d.lane, d.model_version, d.feature_spec_hash,
       d.score, d.threshold, d.threshold_source, d.model_recommendation, d.randomly_selected, d.random_referral_rate,
       d.referral_propensity, d.recommendation, d.selection, d.driver_index, d.audit,
       o.recorded_at, o.observed_at, o.referred, o.reason, o.result, o.items
     FROM decisions d
     LEFT JOIN outcomes o ON o.seq = (SELECT max(seq) FROM outcomes WHERE decision_id = d.id)
     WHERE (d.crossing_at, d.seq) > (:at, :seq) AND d.crossing_at < :to
       AND (:port IS NULL OR d.port = :port) AND (:model IS NULL OR d.model_version = :model)
     ORDER BY d.crossing_at, d.seq LIMIT :limit`,
  );
  const writer = createCsvWriter(sink, { header: EXPORT_COLUMNS });
  let at = query.from;
  let seq = -1;
  let decisions = 0;
  for (;;) {
    const rows = page.all({ at, seq, to: query.to, port: query.port ?? null, model: query.model ?? null, limit: pageSize });
    for (const row of rows) for (const record of exportRecords(row, query.rows)) await writer.write(record);
    decisions += rows.length;
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1] as ExportRow;
    at = last.crossing_at;
    seq = last.seq;
  }
  await writer.end();
  return decisions;
}
