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
 *   ageBand      age at the crossing from the birth year alone (crossing year − birth year, so up
 *                to a year too old before the birthday): 0-17, 18-24, 25-34, 35-44, 45-54, 55-64,
 *                65+, or not_recorded (no birth year, or one after the crossing)
 *   citizenship  ISO 3166-1 alpha-3 as reported, or not_recorded
 */

export const FAIRNESS_ATTRIBUTES = ['sex', 'ageBand', 'citizenship'] as const;
export type FairnessAttribute = (typeof FAIRNESS_ATTRIBUTES)[number];

export const FAIRNESS_UNITS = ['occupant', 'driver'] as const;
export type FairnessUnit = (typeof FAIRNESS_UNITS)[number];

export const NOT_RECORDED = 'not_recorded';

/** Lower bounds of the age bands, with their labels (the usual ten-year bands, 18-24 split off). */
export const AGE_BANDS: readonly { readonly from: number; readonly label: string }[] = [
  { from: 0, label: '0-17' },
  { from: 18, label: '18-24' },
  { from: 25, label: '25-34' },
  { from: 35, label: '35-44' },
  { from: 45, label: '45-54' },
  { from: 55, label: '55-64' },
  { from: 65, label: '65+' },
];

/** The age band of someone born in `birthYear` at the instant `at` (epoch ms, UTC year). */
export function ageBand(birthYear: number | undefined, at: number): string {
  if (birthYear === undefined) return NOT_RECORDED;
  const age = new Date(at).getUTCFullYear() - birthYear;
  if (!(age >= 0)) return NOT_RECORDED;
  let label = NOT_RECORDED;
  for (const band of AGE_BANDS) if (age >= band.from) label = band.label;
  return label;
}

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
