/**
 * Age bands of the audit attribute `birthYear`, and the name of a group whose attribute was not
 * recorded: one definition for the model card's per-group table (training/evaluate.ts, from the
 * dataset's ageBand column) and the fairness monitoring (service/monitoring/audit-groups.ts), so
 * oversight compares like with like.
 */

/** The group of crossings whose attribute was not recorded (or, for age, a birth year after the crossing). */
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

/**
 * The age band of someone born in `birthYear` at the instant `at` (epoch ms): the UTC year of the
 * crossing minus the birth year, as the event carries no birth date (so up to a year too old
 * before the birthday). NOT_RECORDED without a birth year or with one after the crossing.
 */
export function ageBand(birthYear: number | undefined, at: number): string {
  if (birthYear === undefined) return NOT_RECORDED;
  const age = new Date(at).getUTCFullYear() - birthYear;
  if (!(age >= 0)) return NOT_RECORDED;
  let label = NOT_RECORDED;
  for (const band of AGE_BANDS) if (age >= band.from) label = band.label;
  return label;
}
