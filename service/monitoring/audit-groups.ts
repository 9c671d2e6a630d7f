import { ageBand, NOT_RECORDED } from '../../metrics/age-band.ts';
import type { OccupantAudit } from '../decisions/decision-record.ts';

/**
 * The groups fairness is measured over, derived from the audit attributes a decision keeps per
 * occupant (DESIGN.md, audit attributes).
 *
 * Unit. A referral sends the whole vehicle to secondary inspection, so every occupant is a person
 * subject to it. The fairness unit is therefore the occupant: a decision about a car with a driver
 * and two passengers counts three times, once in each person's group, all with the decision's
 * recommendation and outcome. Each unit also keeps its role, so the same aggregates answer the
 * driver-only view (`unit=driver`: one unit per decision, the person the model's vehicle and
 * driver features mostly describe). Age bands need the occupant unit: drivers are adults.
 *
 * Caveat of the occupant unit: occupants of one vehicle share an outcome and often a group, so they
 * are not independent draws; the bootstrap treats them as if they were, which makes its intervals
 * somewhat too narrow where many vehicles carry several people of one group. `unit=driver` has
 * independent units (one per decision) and is the conservative reading.
 *
 * Attributes:
 *   sex          female, male, x, unknown (as reported), or not_recorded
 *   ageBand      metrics/age-band.ts: 0-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65+, or
 *                not_recorded (no birth year, or one after the crossing)
 *   citizenship  ISO 3166-1 alpha-3 as reported, or not_recorded
 */

export const FAIRNESS_ATTRIBUTES = ['sex', 'ageBand', 'citizenship'] as const;
export type FairnessAttribute = (typeof FAIRNESS_ATTRIBUTES)[number];

export const FAIRNESS_UNITS = ['occupant', 'driver'] as const;
export type FairnessUnit = (typeof FAIRNESS_UNITS)[number];

export { AGE_BANDS, ageBand, NOT_RECORDED } from '../../metrics/age-band.ts';

/** One fairness unit's group: its role and its value of each attribute. */
export interface UnitGroup {
  readonly role: 'driver' | 'passenger';
  readonly sex: string;
  readonly ageBand: string;
  readonly citizenship: string;
}

export function unitGroup(audit: OccupantAudit, crossingAt: number): UnitGroup {
  return {
    role: audit.role,
    sex: audit.sex ?? NOT_RECORDED,
    ageBand: ageBand(audit.birthYear, crossingAt),
    citizenship: audit.citizenship ?? NOT_RECORDED,
  };
}

/** Every occupant's group, in the decision's occupant order. */
export function unitGroups(audit: readonly OccupantAudit[], crossingAt: number): UnitGroup[] {
  return audit.map((a) => unitGroup(a, crossingAt));
}
