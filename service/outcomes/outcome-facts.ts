import type { FactKind, HistoryFact } from '../../features/history.ts';
import type { OutcomeReport } from '../decisions/decision-record.ts';

/**
 * What an outcome tells the history store (features vehiclePriorReferrals, vehiclePriorSeizures,
 * occupantPriorReferrals, occupantPriorSeizures): a referral when the vehicle was referred, a
 * seizure when the inspection found contraband, each recorded against the vehicle and against
 * every traveler aboard.
 *
 * Outcomes are append-only; a correction supersedes the decision's current outcome. The history
 * then receives only the difference: a withdrawn referral or seizure as a -1 fact, a new one as
 * +1, nothing for what both reports agree on. Net facts per entity therefore always equal what
 * the decision's current outcome says.
 */
export function factCounts(report: OutcomeReport | null): Readonly<Record<FactKind, 0 | 1>> {
  return {
    referral: report?.referred ? 1 : 0,
    seizure: report?.result === 'seizure' ? 1 : 0,
  };
}

/**
 * Facts for replacing `previous` (null when there is none) by `next`, for the given entity keys
 * (vehicle and travelers; duplicates are counted once), recorded at `at`.
 */
export function factsForOutcome(
  previous: OutcomeReport | null,
  next: OutcomeReport,
  entityKeys: readonly string[],
  at: number,
): HistoryFact[] {
  const before = factCounts(previous);
  const after = factCounts(next);
  const keys = [...new Set(entityKeys)];
  const facts: HistoryFact[] = [];
  for (const kind of ['referral', 'seizure'] as const) {
    const change = after[kind] - before[kind];
    if (change === 0) continue;
    const delta = change > 0 ? 1 : -1;
    for (const entityKey of keys) facts.push({ entityKey, kind, delta, recordedAt: at });
  }
  return facts;
}
