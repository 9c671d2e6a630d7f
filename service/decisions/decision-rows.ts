import type { Lane } from '../../features/crossing-event.schema.ts';
import type { Recommendation, Selection, ThresholdSource } from '../scoring/decide.ts';
import type { Reason } from '../scoring/explain.ts';
import type { DecisionRecord, InspectionResult, OccupantAudit, OutcomeReason, OutcomeRecord, SeizedItem } from './decision-record.ts';

/** The decision and outcome tables' rows (002-decisions.sql) and their mapping to records. */

export const DECISION_COLUMNS = `seq, id, decided_at, crossing_at, utc_offset_minutes, port, lane, vehicle_key, vin_key,
  traveler_keys, driver_index, features, feature_spec_hash, model_version, score, threshold, threshold_source,
  model_recommendation, randomly_selected, random_referral_rate, referral_propensity, recommendation, selection,
  reasons, officer_id, token_id, audit, driver_sex, driver_birth_year, driver_citizenship`;

export const INSERT_DECISION_SQL = `INSERT INTO decisions (id, decided_at, crossing_at, utc_offset_minutes, port, lane,
  vehicle_key, vin_key, traveler_keys, driver_index, features, feature_spec_hash, model_version, score, threshold,
  threshold_source, model_recommendation, randomly_selected, random_referral_rate, referral_propensity, recommendation,
  selection, reasons, officer_id, token_id, audit, driver_sex, driver_birth_year, driver_citizenship)
VALUES (:id, :decided_at, :crossing_at, :utc_offset_minutes, :port, :lane, :vehicle_key, :vin_key, :traveler_keys,
  :driver_index, :features, :feature_spec_hash, :model_version, :score, :threshold, :threshold_source,
  :model_recommendation, :randomly_selected, :random_referral_rate, :referral_propensity, :recommendation, :selection,
  :reasons, :officer_id, :token_id, :audit, :driver_sex, :driver_birth_year, :driver_citizenship)`;

export const OUTCOME_COLUMNS = `seq, id, decision_id, recorded_at, observed_at, referred, reason, result, items, supersedes,
  officer_id, token_id`;

export const INSERT_OUTCOME_SQL = `INSERT INTO outcomes (id, decision_id, recorded_at, observed_at, referred, reason, result,
  items, supersedes, officer_id, token_id)
VALUES (:id, :decision_id, :recorded_at, :observed_at, :referred, :reason, :result, :items, :supersedes, :officer_id, :token_id)`;

export interface DecisionRow {
  seq: number;
  id: string;
  decided_at: number;
  crossing_at: number;
  utc_offset_minutes: number;
  port: string;
  lane: string;
  vehicle_key: string;
  vin_key: string | null;
  traveler_keys: string;
  driver_index: number;
  features: Buffer;
  feature_spec_hash: string;
  model_version: string;
  score: number;
  threshold: number;
  threshold_source: string;
  model_recommendation: string;
  randomly_selected: number;
  random_referral_rate: number;
  referral_propensity: number;
  recommendation: string;
  selection: string;
  reasons: string;
  officer_id: string;
  token_id: string;
  audit: string;
  driver_sex: string | null;
  driver_birth_year: number | null;
  driver_citizenship: string | null;
}

export interface OutcomeRow {
  seq: number;
  id: string;
  decision_id: string;
  recorded_at: number;
  observed_at: number;
  referred: number;
  reason: string | null;
  result: string | null;
  items: string;
  supersedes: string | null;
  officer_id: string;
  token_id: string;
}

/** Float32 little-endian: 4 bytes per feature, the exact values the model saw. */
export function encodeFeatures(features: Float32Array): Buffer {
  const buffer = Buffer.alloc(features.length * 4);
  for (let i = 0; i < features.length; i++) buffer.writeFloatLE(features[i]!, i * 4);
  return buffer;
}

export function decodeFeatures(blob: Buffer): Float32Array {
  const features = new Float32Array(blob.length / 4);
  for (let i = 0; i < features.length; i++) features[i] = blob.readFloatLE(i * 4);
  return features;
}

export function decisionToRow(d: DecisionRecord): Omit<DecisionRow, 'seq'> {
  const driver = d.audit[d.driverIndex];
  return {
    id: d.id,
    decided_at: d.decidedAt,
    crossing_at: d.crossingAt,
    utc_offset_minutes: d.utcOffsetMinutes,
    port: d.port,
    lane: d.lane,
    vehicle_key: d.vehicleKey,
    vin_key: d.vinKey,
    traveler_keys: JSON.stringify(d.travelerKeys),
    driver_index: d.driverIndex,
    features: encodeFeatures(d.features),
    feature_spec_hash: d.featureSpecHash,
    model_version: d.modelVersion,
    score: d.score,
    threshold: d.threshold,
    threshold_source: d.thresholdSource,
    model_recommendation: d.modelRecommendation,
    randomly_selected: d.randomlySelected ? 1 : 0,
    random_referral_rate: d.randomReferralRate,
    referral_propensity: d.referralPropensity,
    recommendation: d.recommendation,
    selection: d.selection,
    reasons: JSON.stringify(d.reasons),
    officer_id: d.officerId,
    token_id: d.tokenId,
    audit: JSON.stringify(d.audit),
    driver_sex: driver?.sex ?? null,
    driver_birth_year: driver?.birthYear ?? null,
    driver_citizenship: driver?.citizenship ?? null,
  };
}

/** Rows were written by decisionToRow under the table's CHECK constraints, so the casts hold. */
export function decisionFromRow(row: DecisionRow): DecisionRecord & { readonly seq: number } {
  return {
    seq: row.seq,
    id: row.id,
    decidedAt: row.decided_at,
    crossingAt: row.crossing_at,
    utcOffsetMinutes: row.utc_offset_minutes,
    port: row.port,
    lane: row.lane as Lane,
    vehicleKey: row.vehicle_key,
    vinKey: row.vin_key,
    travelerKeys: JSON.parse(row.traveler_keys) as string[],
    driverIndex: row.driver_index,
    features: decodeFeatures(row.features),
    featureSpecHash: row.feature_spec_hash,
    modelVersion: row.model_version,
    score: row.score,
    threshold: row.threshold,
    thresholdSource: row.threshold_source as ThresholdSource,
    modelRecommendation: row.model_recommendation as Recommendation,
    randomlySelected: row.randomly_selected === 1,
    randomReferralRate: row.random_referral_rate,
    referralPropensity: row.referral_propensity,
    recommendation: row.recommendation as Recommendation,
    selection: row.selection as Selection,
    reasons: JSON.parse(row.reasons) as Reason[],
    officerId: row.officer_id,
    tokenId: row.token_id,
    audit: JSON.parse(row.audit) as OccupantAudit[],
  };
}

export function outcomeToRow(o: OutcomeRecord): Omit<OutcomeRow, 'seq'> {
  return {
    id: o.id,
    decision_id: o.decisionId,
    recorded_at: o.recordedAt,
    observed_at: o.observedAt,
    referred: o.referred ? 1 : 0,
    reason: o.reason,
    result: o.result,
    items: JSON.stringify(o.items),
    supersedes: o.supersedes,
    officer_id: o.officerId,
    token_id: o.tokenId,
  };
}

export function outcomeFromRow(row: OutcomeRow): OutcomeRecord & { readonly seq: number } {
  return {
    seq: row.seq,
    id: row.id,
    decisionId: row.decision_id,
    recordedAt: row.recorded_at,
    observedAt: row.observed_at,
    referred: row.referred === 1,
    reason: row.reason as OutcomeReason | null,
    result: row.result as InspectionResult | null,
    items: JSON.parse(row.items) as SeizedItem[],
    supersedes: row.supersedes,
    officerId: row.officer_id,
    tokenId: row.token_id,
  };
}
