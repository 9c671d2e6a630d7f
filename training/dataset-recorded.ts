import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';
import type { SqliteDatabase } from '../store/sqlite/database.ts';
import type { DatasetRow } from './dataset-columns.ts';
import { postStratificationFactor } from '../metrics/label-coverage.ts';
import { formatWithOffset, type TimeRange } from './time-range.ts';

/**
 * Training rows from the service's records (store/sqlite/migrations/002-decisions.sql): one row per
 * scored crossing whose current outcome says it was referred and inspected with a result.
 *
 * - features: the vector stored with the decision, exactly what the production model scored
 *   (computed point in time when the crossing was scored); decisions made under another feature
 *   spec are skipped and counted.
 * - label: 1 when the current outcome (the latest report; corrections supersede) is a seizure.
 * - weight: 1 / referral_propensity for crossings the random selection sent (the Horvitz–Thompson
 *   weight: a random referral at rate 2 % stands for 50 crossings), 1 for those the model sent
 *   (every crossing it recommends is sent: propensity 1); then post-stratified by the model's
 *   recommendation (metrics/label-coverage.ts, as the monitoring estimates are): within the
 *   referred and within the released crossings of the period the weights sum to the number of
 *   decisions, so outcomes not (yet) reported do not make a stratum weigh too little.
 * - left out: crossings an officer referred on their own (the model released them, no random
 *   draw: selection 'none'). The weighted random selections already stand for every released
 *   crossing; these, chosen by suspicion, would count some of them twice and overstate seizures
 *   (as the monitoring estimates leave them out: service/monitoring/decision-cells.ts). Counted
 *   in the stats.
 * - audit columns: the driver's, as stored for fairness monitoring.
 */

export interface RecordedDatasetStats {
  /** Decisions in the period. */
  decisions: number;
  /** Labelled rows written. */
  rows: number;
  /** Referred, result not yet reported. */
  pending: number;
  /** Not referred: no label (selective labels). */
  unlabelled: number;
  /** Recorded under another feature spec hash. */
  otherSpec: number;
  /** Referred by an officer on their own, with a result: left out (not sent by the model or the random selection). */
  officerReferrals: number;
  randomSelections: number;
}

interface DecisionOutcomeRow {
  crossing_at: number;
  utc_offset_minutes: number;
  port: string;
  features: Buffer;
  feature_spec_hash: string;
  selection: 'model' | 'random' | 'none';
  model_recommendation: 'refer' | 'release';
  referral_propensity: number;
  driver_sex: string | null;
  driver_birth_year: number | null;
  driver_citizenship: string | null;
  referred: number | null;
  result: 'seizure' | 'no_seizure' | null;
}

// The current outcome of a decision is its latest report: a correction is a later row that supersedes.
const DECISIONS_WITH_OUTCOME_SQL = `
SELECT d.crossing_at, d.utc_offset_minutes, d.port, d.features, d.feature_spec_hash, d.selection, d.model_recommendation,
       d.referral_propensity, d.driver_sex, d.driver_birth_year, d.driver_citizenship, o.referred, o.result
  FROM decisions d
  LEFT JOIN outcomes o ON o.seq = (SELECT max(seq) FROM outcomes WHERE decision_id = d.id)
 WHERE d.crossing_at >= :from AND d.crossing_at < :to
 ORDER BY d.crossing_at, d.seq`;

export function* recordedDatasetRows(db: SqliteDatabase, range: TimeRange, stats: RecordedDatasetStats): Generator<DatasetRow> {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('decisions', 'outcomes')`).all();
  if (tables.length < 2) {
    throw new Error('the database has no decisions and outcomes tables: is it the service\'s database (REFERRAL_DB)?');
  }
  const statement = db.prepare<{ from: number; to: number }, DecisionOutcomeRow>(DECISIONS_WITH_OUTCOME_SQL);
  const decisions = (): IterableIterator<DecisionOutcomeRow> => statement.iterate({ from: range.from, to: range.to });
  // First pass: each stratum's size and labelled weight, for the post-stratification below.
  const strata = { refer: { size: 0, labelledWeight: 0 }, release: { size: 0, labelledWeight: 0 } };
  for (const d of decisions()) {
    if (d.feature_spec_hash !== FEATURE_SPEC_HASH) continue;
    const stratum = strata[d.model_recommendation];
    stratum.size++;
    if (labelOf(d) === 'labelled') stratum.labelledWeight += designWeight(d);
  }
  const factor = {
    refer: postStratificationFactor(strata.refer.size, strata.refer.labelledWeight),
    release: postStratificationFactor(strata.release.size, strata.release.labelledWeight),
  };
  for (const d of decisions()) {
    stats.decisions++;
    if (d.feature_spec_hash !== FEATURE_SPEC_HASH) {
      stats.otherSpec++;
      continue;
    }
    const label = labelOf(d);
    if (label !== 'labelled') {
      stats[label]++;
      continue;
    }
    if (d.selection === 'random') stats.randomSelections++;
    stats.rows++;
    yield {
      features: featuresFromBlob(d.features),
      label: d.result === 'seizure' ? 1 : 0,
      weight: designWeight(d) * factor[d.model_recommendation],
      timestamp: formatWithOffset(d.crossing_at, d.utc_offset_minutes),
      port: d.port,
      audit: {
        ...(d.driver_sex === null ? {} : { sex: d.driver_sex }),
        ...(d.driver_birth_year === null ? {} : { birthYear: d.driver_birth_year }),
        ...(d.driver_citizenship === null ? {} : { citizenship: d.driver_citizenship }),
      },
    };
  }
}

/** Whether a decision gives a training row, or which count says why not. */
function labelOf(d: DecisionOutcomeRow): 'labelled' | 'unlabelled' | 'pending' | 'officerReferrals' {
  if (d.referred !== 1) return 'unlabelled';
  if (d.result === null) return 'pending';
  if (d.selection === 'none') return 'officerReferrals';
  return 'labelled';
}

/** 1 / P(sent to inspection): the random selection's rate, or 1 for the model's own referrals. */
function designWeight(d: DecisionOutcomeRow): number {
  return d.selection === 'random' ? 1 / d.referral_propensity : 1;
}

/** float32 little-endian, feature spec order (002-decisions.sql). */
function featuresFromBlob(blob: Buffer): Float32Array {
  if (blob.length !== FEATURE_COUNT * 4) throw new Error(`a stored feature vector has ${blob.length} bytes, ${FEATURE_COUNT} float32 need ${FEATURE_COUNT * 4}`);
  const out = new Float32Array(FEATURE_COUNT);
  for (let j = 0; j < FEATURE_COUNT; j++) out[j] = blob.readFloatLE(j * 4);
  return out;
}

export function emptyRecordedStats(): RecordedDatasetStats {
  return { decisions: 0, rows: 0, pending: 0, unlabelled: 0, otherSpec: 0, officerReferrals: 0, randomSelections: 0 };
}
