import type { DecisionRecord, OutcomeRecord } from '../decisions/decision-record.ts';

/**
 * What one decision, with the outcome currently in force for it, adds to the monitoring aggregates.
 * Pure: the aggregates are sums of these contributions, so a correction (a new outcome superseding
 * an older one) subtracts the decision's contribution under the old outcome and adds it under the
 * new one, and the counts move instead of doubling.
 *
 * Attribution of an inspection to a route (for the hit rates):
 *   model    the model recommended referral (score >= threshold), whoever sent it;
 *   random   the decision was randomly selected (a uniform sample of all scored crossings);
 *   officer  neither: the officer referred a crossing the service recommended releasing.
 * Model and random overlap (a random selection the model would have referred counts in both), as
 * each answers its own question: how often the model's referrals find something, and how often a
 * crossing taken at random does.
 *
 * Labels usable for the inverse-propensity estimates (metrics/decision-counts.ts): an inspection
 * result of a decision the policy sent for referral (model or random), weighted by
 * 1 / referral_propensity (1 for the model's referrals, 1 / random rate for random selections the
 * model would have released). Results of officers' own referrals have no known propensity and are
 * left out of those estimates (they still count in the officer hit rate).
 */

/** Counts of metrics/decision-counts.ts, in this order (SQL columns of the same names). */
export const COUNT_CELL_FIELDS = [
  'tp_rows',
  'fp_rows',
  'fn_rows',
  'tn_rows',
  'tp_weight',
  'fp_weight',
  'fn_weight',
  'tn_weight',
  'tp_weight_sq',
  'fp_weight_sq',
  'fn_weight_sq',
  'tn_weight_sq',
  'unlabelled_referred',
  'unlabelled_released',
] as const;

/** Per decision (hour × port × model cells); SQL columns of the same names in 003-monitoring.sql. */
export const DECISION_FIELDS = [
  'decisions',
  'score_sum',
  'model_referrals',
  'random_selections',
  'random_selection_weight',
  'referrals',
  'referrals_with_outcome',
  'referrals_inspected',
  'referrals_declined',
  'officer_referrals',
  'inspected_model',
  'seizures_model',
  'inspected_random',
  'seizures_random',
  'inspected_officer',
  'seizures_officer',
  ...COUNT_CELL_FIELDS,
] as const;

/**
 * Per group (day, week and period × port × model × sex × age band × citizenship cells): the count
 * cells once per occupant in the occupant's group, and once per decision in the driver's group.
 */
export const GROUP_FIELDS = [...COUNT_CELL_FIELDS, ...COUNT_CELL_FIELDS.map((f) => `driver_${f}` as const)] as const;
export const DRIVER_CELL_OFFSET = COUNT_CELL_FIELDS.length;

export type DecisionField = (typeof DECISION_FIELDS)[number];
export type CountCellField = (typeof COUNT_CELL_FIELDS)[number];

export const DECISION_FIELD: Readonly<Record<DecisionField, number>> = Object.fromEntries(DECISION_FIELDS.map((f, i) => [f, i])) as Record<DecisionField, number>;
export const COUNT_CELL_OFFSET = DECISION_FIELD.tp_rows;

/** The parts of a decision the aggregates read. */
export type CountedDecision = Pick<
  DecisionRecord,
  | 'crossingAt'
  | 'port'
  | 'modelVersion'
  | 'score'
  | 'features'
  | 'modelRecommendation'
  | 'randomlySelected'
  | 'randomReferralRate'
  | 'referralPropensity'
  | 'recommendation'
  | 'audit'
>;

export type CountedOutcome = Pick<OutcomeRecord, 'referred' | 'result'>;

/** The usable label and its weight (see above), or null. */
export function usableLabel(d: CountedDecision, o: CountedOutcome | null): { label: 0 | 1; weight: number } | null {
  if (o === null || o.result === null) return null;
  if (d.modelRecommendation !== 'refer' && !d.randomlySelected) return null;
  if (!(d.referralPropensity > 0)) return null;
  return { label: o.result === 'seizure' ? 1 : 0, weight: 1 / d.referralPropensity };
}

/**
 * Adds sign × the decision's count cells (COUNT_CELL_FIELDS order) to `out` at `offset`: one row in
 * exactly one of TP, FP, FN, TN (labelled, with its weight) or unlabelled referred/released.
 */
export function addCountCells(d: CountedDecision, o: CountedOutcome | null, sign: number, out: Float64Array, offset: number): void {
  const predictedPositive = d.modelRecommendation === 'refer';
  const usable = usableLabel(d, o);
  if (usable === null) {
    out[offset + (predictedPositive ? 12 : 13)] += sign;
    return;
  }
  const cell = predictedPositive ? (usable.label === 1 ? 0 : 1) : usable.label === 1 ? 2 : 3;
  out[offset + cell] += sign;
  out[offset + 4 + cell] += sign * usable.weight;
  out[offset + 8 + cell] += sign * usable.weight * usable.weight;
}

/** Adds sign × the decision's per-decision fields (DECISION_FIELDS order) to `out`. */
export function addDecisionFields(d: CountedDecision, o: CountedOutcome | null, sign: number, out: Float64Array): void {
  const F = DECISION_FIELD;
  const modelRefers = d.modelRecommendation === 'refer';
  const referred = d.recommendation === 'refer';
  const inspected = o !== null && o.result !== null;
  const seized = inspected && o.result === 'seizure' ? 1 : 0;
  const officerReferral = !referred && o !== null && o.referred;
  out[F.decisions] += sign;
  out[F.score_sum] += sign * d.score;
  if (modelRefers) out[F.model_referrals] += sign;
  if (d.randomlySelected) {
    out[F.random_selections] += sign;
    if (d.randomReferralRate > 0) out[F.random_selection_weight] += sign / d.randomReferralRate;
  }
  if (referred) {
    out[F.referrals] += sign;
    if (o !== null) out[F.referrals_with_outcome] += sign;
    if (inspected) out[F.referrals_inspected] += sign;
    if (o !== null && !o.referred) out[F.referrals_declined] += sign;
  }
  if (officerReferral) out[F.officer_referrals] += sign;
  if (inspected) {
    if (modelRefers) {
      out[F.inspected_model] += sign;
      out[F.seizures_model] += sign * seized;
    }
    if (d.randomlySelected) {
      out[F.inspected_random] += sign;
      out[F.seizures_random] += sign * seized;
    }
    if (officerReferral) {
      out[F.inspected_officer] += sign;
      out[F.seizures_officer] += sign * seized;
    }
  }
  addCountCells(d, o, sign, out, COUNT_CELL_OFFSET);
}
