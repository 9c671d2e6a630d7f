import { describe, expect, test } from 'vitest';
import { ageBand, unitGroups } from '../../service/monitoring/audit-groups.ts';
import { decisionCountsFrom } from '../../service/monitoring/aggregate-counts.ts';
import { addDecisionFields, COUNT_CELL_OFFSET, DECISION_FIELD, DECISION_FIELDS, type CountedDecision, type CountedOutcome } from '../../service/monitoring/decision-cells.ts';
import { calibrationFigures, performanceFigures } from '../../service/monitoring/performance-report.ts';
import { addCalibration, CALIBRATION_LENGTH } from '../../service/monitoring/distribution-layout.ts';
import { alignToHours, bucketStart, DAY_MS, decomposeWindow, GROUP_LEVELS, HOUR_MS, PERIOD_MS, WEEK_MS } from '../../service/monitoring/time-buckets.ts';

const T = (iso: string): number => Date.parse(iso);

/** Summed decision fields (DECISION_FIELDS order) from the named ones; the rest 0. */
function decisionSums(values: Partial<Record<keyof typeof DECISION_FIELD, number>>): Float64Array {
  const sums = new Float64Array(DECISION_FIELDS.length);
  for (const [field, value] of Object.entries(values)) sums[DECISION_FIELD[field as keyof typeof DECISION_FIELD]] = value;
  return sums;
}
describe('time buckets', () => {
  test('buckets are UTC and epoch-aligned; weeks start on Thursdays', () => {
    const at = T('2025-03-05T13:45:10Z');
    expect(new Date(bucketStart(0, at)).toISOString()).toBe('2025-03-05T13:00:00.000Z');
    expect(new Date(bucketStart(1, at)).toISOString()).toBe('2025-03-05T00:00:00.000Z');
    expect(new Date(bucketStart(2, at)).toISOString()).toBe('2025-02-27T00:00:00.000Z');
    expect(new Date(bucketStart(2, at)).getUTCDay()).toBe(4);
  });

  test('a window is widened to whole hours', () => {
    expect(alignToHours(T('2025-03-01T10:20:00Z'), T('2025-03-01T12:00:00.001Z'))).toEqual({ from: T('2025-03-01T10:00:00Z'), to: T('2025-03-01T13:00:00Z') });
  });

  test('a window splits into hours, days, whole weeks, days, hours that tile it exactly', () => {
    const from = T('2025-01-01T05:00:00Z'); // a Wednesday
    const to = T('2025-02-10T20:00:00Z');
    const runs = decomposeWindow(from, to);
    expect(runs.map((r) => [r.level, new Date(r.from).toISOString(), new Date(r.to).toISOString()])).toEqual([
      [0, '2025-01-01T05:00:00.000Z', '2025-01-02T00:00:00.000Z'],
      [2, '2025-01-02T00:00:00.000Z', '2025-02-06T00:00:00.000Z'],
      [1, '2025-02-06T00:00:00.000Z', '2025-02-10T00:00:00.000Z'],
      [0, '2025-02-10T00:00:00.000Z', '2025-02-10T20:00:00.000Z'],
    ]);
    // Tiling: consecutive, no gap, no overlap, and each run is whole buckets of its level.
    let at = from;
    for (const r of runs) {
      expect(r.from).toBe(at);
      expect((r.to - r.from) % [HOUR_MS, DAY_MS, WEEK_MS, PERIOD_MS][r.level]!).toBe(0);
      at = r.to;
    }
    expect(at).toBe(to);
  });

  test('windows shorter than a day are hours only; empty windows have no runs', () => {
    expect(decomposeWindow(T('2025-03-01T10:00:00Z'), T('2025-03-01T13:00:00Z'))).toEqual([{ level: 0, from: T('2025-03-01T10:00:00Z'), to: T('2025-03-01T13:00:00Z') }]);
    expect(decomposeWindow(T('2025-03-01T10:00:00Z'), T('2025-03-01T10:00:00Z'))).toEqual([]);
    expect(() => decomposeWindow(T('2025-03-01T10:30:00Z'), T('2025-03-01T13:00:00Z'))).toThrow(/whole hours/);
  });

  test('group levels (days, weeks, 28-day periods) need whole days, and use periods where they fit', () => {
    const from = T('2024-03-01T00:00:00Z');
    const to = T('2025-03-01T00:00:00Z');
    const runs = decomposeWindow(from, to, GROUP_LEVELS);
    expect(runs.map((r) => r.level)).toEqual([1, 2, 3, 2, 1]);
    expect(runs.reduce((n, r) => n + (r.to - r.from) / [HOUR_MS, DAY_MS, WEEK_MS, PERIOD_MS][r.level]!, 0)).toBeLessThan(30);
    expect(runs[0]!.from).toBe(from);
    expect(runs.at(-1)!.to).toBe(to);
    expect(() => decomposeWindow(T('2025-03-01T10:00:00Z'), to, GROUP_LEVELS)).toThrow(/whole days/);
  });
});

describe('fairness units and age bands', () => {
  test('age from the birth year at the crossing year, in bands; missing or future birth years are not_recorded', () => {
    const at = T('2025-06-01T00:00:00Z');
    expect([2008, 2007, 2001, 2000, 1991, 1990, 1961, 1960, 1900].map((y) => ageBand(y, at))).toEqual([
      '0-17',
      '18-24',
      '18-24',
      '25-34',
      '25-34',
      '35-44',
      '55-64',
      '65+',
      '65+',
    ]);
    expect(ageBand(undefined, at)).toBe('not_recorded');
    expect(ageBand(2030, at)).toBe('not_recorded');
  });

  test('every occupant is a unit with its role; missing attributes are not_recorded', () => {
    expect(unitGroups([{ role: 'driver', sex: 'female', birthYear: 1985, citizenship: 'USA' }, { role: 'passenger' }], T('2025-03-01T00:00:00Z'))).toEqual([
      { role: 'driver', sex: 'female', ageBand: '35-44', citizenship: 'USA' },
      { role: 'passenger', sex: 'not_recorded', ageBand: 'not_recorded', citizenship: 'not_recorded' },
    ]);
  });
});

const decision = (over: Partial<CountedDecision>): CountedDecision => ({
  crossingAt: T('2025-03-01T10:00:00Z'),
  port: '2504',
  modelVersion: 'm',
  score: 0.5,
  features: new Float32Array(0),
  modelRecommendation: 'refer',
  randomlySelected: false,
  randomReferralRate: 0.01,
  referralPropensity: 1,
  recommendation: 'refer',
  audit: [{ role: 'driver' }],
  ...over,
});

function fields(d: CountedDecision, o: CountedOutcome | null): Record<string, number> {
  const out = new Float64Array(DECISION_FIELDS.length);
  addDecisionFields(d, o, 1, out);
  return Object.fromEntries(DECISION_FIELDS.map((f, i) => [f, out[i]!]).filter(([, v]) => v !== 0));
}

describe('what one decision contributes', () => {
  test('a model referral inspected with a seizure: a hit of the model route and a labelled TP of weight 1', () => {
    expect(fields(decision({}), { referred: true, result: 'seizure' })).toEqual({
      decisions: 1,
      score_sum: 0.5,
      model_referrals: 1,
      referrals: 1,
      referrals_with_outcome: 1,
      referrals_inspected: 1,
      inspected_model: 1,
      seizures_model: 1,
      tp_rows: 1,
      tp_weight: 1,
      tp_weight_sq: 1,
    });
  });

  test('a random selection the model would release, inspected clean: a random-route inspection and a TN of weight 1/rate', () => {
    const d = decision({ score: 0.1, modelRecommendation: 'release', randomlySelected: true, referralPropensity: 0.01 });
    expect(fields(d, { referred: true, result: 'no_seizure' })).toEqual({
      decisions: 1,
      score_sum: 0.1,
      random_selections: 1,
      random_selection_weight: 100,
      referrals: 1,
      referrals_with_outcome: 1,
      referrals_inspected: 1,
      inspected_random: 1,
      tn_rows: 1,
      tn_weight: 100,
      tn_weight_sq: 10_000,
    });
  });

  test("an officer's own referral counts for the officer route but is not a usable label", () => {
    const d = decision({ score: 0.1, modelRecommendation: 'release', recommendation: 'release', referralPropensity: 0.01 });
    expect(fields(d, { referred: true, result: 'seizure' })).toEqual({
      decisions: 1,
      score_sum: 0.1,
      officer_referrals: 1,
      inspected_officer: 1,
      seizures_officer: 1,
      unlabelled_released: 1,
    });
  });

  test('a recommended referral the officer declined: an outcome without a label', () => {
    expect(fields(decision({}), { referred: false, result: null })).toEqual({
      decisions: 1,
      score_sum: 0.5,
      model_referrals: 1,
      referrals: 1,
      referrals_with_outcome: 1,
      referrals_declined: 1,
      unlabelled_referred: 1,
    });
  });

  test('a correction is the difference of two contributions: the counts move, they do not double', () => {
    const d = decision({});
    const out = new Float64Array(DECISION_FIELDS.length);
    addDecisionFields(d, null, 1, out);
    const first = { referred: true, result: 'seizure' } as const;
    const second = { referred: true, result: 'no_seizure' } as const;
    addDecisionFields(d, null, -1, out);
    addDecisionFields(d, first, 1, out);
    addDecisionFields(d, first, -1, out);
    addDecisionFields(d, second, 1, out);
    const direct = new Float64Array(DECISION_FIELDS.length);
    addDecisionFields(d, second, 1, direct);
    expect(Array.from(out)).toEqual(Array.from(direct));
    expect(out[DECISION_FIELD.seizures_model]).toBe(0);
    expect(out[DECISION_FIELD.inspected_model]).toBe(1);
  });
});

describe('reports from sums', () => {
  test('float residue of corrections is cleaned: a cell without rows has no weight', () => {
    const values = new Float64Array(14);
    values[3] = 0; // tn_rows
    values[7] = 1e-13; // tn_weight residue
    values[11] = -2e-12;
    values[13] = 5.0000000001;
    const counts = decisionCountsFrom(values);
    expect(counts.labelledWeights.trueNegatives).toBe(0);
    expect(counts.labelledWeightsSquared.trueNegatives).toBe(0);
    expect(counts.unlabelledReleased).toBe(5);
  });

  test('hand-computed: 10 decisions, 3 model referrals (2 hits of 3 inspected), 2 random (1 inspected, clean)', () => {
    const sums = decisionSums({
      decisions: 10,
      referrals: 5,
      model_referrals: 3,
      random_selections: 2,
      inspected_model: 3,
      seizures_model: 2,
      inspected_random: 1,
      referrals_inspected: 4,
      tp_rows: 2,
      tp_weight: 2,
      tp_weight_sq: 2,
      fp_rows: 1,
      fp_weight: 1,
      fp_weight_sq: 1,
      tn_rows: 1,
      tn_weight: 5,
      tn_weight_sq: 25,
      unlabelled_released: 6,
    });
    const f = performanceFigures(sums, new Float64Array(CALIBRATION_LENGTH));
    expect(f.referralRate).toMatchObject({ value: 0.5, numerator: 5, denominator: 10 });
    expect(f.hitRates.model.value).toBeCloseTo(2 / 3, 12);
    expect(f.hitRates.random).toMatchObject({ value: 0, numerator: 0, denominator: 1 });
    expect(f.labelCoverage.value).toBe(0.8);
    // Weighted TP 2, FP 1, TN 5; post-stratified to the 3 model referrals and 7 releases: TN 7.
    // Prevalence 2/10, recall 1, FPR 1/8.
    expect(f.estimates.prevalence.value).toBeCloseTo(0.2, 12);
    expect(f.estimates.recall.value).toBe(1);
    expect(f.estimates.falsePositiveRate.value).toBeCloseTo(1 / 8, 12);
    expect(f.referralRate.interval!.lower).toBeLessThan(0.5);
  });

  test('no model referral has an outcome yet: recall, FNR, FPR and prevalence are null, not 0', () => {
    // 1050 decisions: 50 model referrals, all pending; 1000 releases, 5 random selections (rate
    // 0.005, weight 200) inspected: 1 seizure, 4 clean. Without the referred stratum recall would be
    // 0/(0 + 200) = 0 and FPR 0/(0 + 800) = 0; prevalence would cover the releases only.
    const sums = decisionSums({
      decisions: 1050,
      referrals: 55,
      model_referrals: 50,
      random_selections: 5,
      inspected_random: 5,
      seizures_random: 1,
      referrals_inspected: 5,
      fn_rows: 1,
      fn_weight: 200,
      fn_weight_sq: 200 * 200,
      tn_rows: 4,
      tn_weight: 800,
      tn_weight_sq: 4 * 200 * 200,
      unlabelled_referred: 50,
      unlabelled_released: 995,
    });
    const f = performanceFigures(sums, new Float64Array(CALIBRATION_LENGTH));
    expect(f.estimates.referralsSampled).toBe(false);
    expect(f.estimates.releasesSampled).toBe(true);
    for (const k of ['prevalence', 'recall', 'falseNegativeRate', 'falsePositiveRate', 'precision'] as const) {
      expect(f.estimates[k], k).toMatchObject({ value: null, interval: null });
    }
    expect(f.estimates.estimatedPositives).toBeNull();
    // FOR, within the releases: 200 / 1000.
    expect(f.estimates.falseOmissionRate.value).toBeCloseTo(0.2, 12);
    expect(f.labelCoverage.value).toBeCloseTo(5 / 55, 12);
  });

  test('calibration: inverse-propensity weighted observed rate per bin, and ECE', () => {
    const sums = new Float64Array(CALIBRATION_LENGTH);
    const d = (score: number, propensity: number): CountedDecision =>
      decision({ score, modelRecommendation: propensity === 1 ? 'refer' : 'release', randomlySelected: propensity !== 1, referralPropensity: propensity });
    // Bin 0 ([0, 0.1)): two random selections of weight 10, one seizure → observed 0.5; predicted 0.05.
    addCalibration(d(0.04, 0.1), { referred: true, result: 'seizure' }, 1, sums);
    addCalibration(d(0.06, 0.1), { referred: true, result: 'no_seizure' }, 1, sums);
    // Bin 9: one model referral of weight 1 with a seizure → observed 1, predicted 0.95.
    addCalibration(d(0.95, 1), { referred: true, result: 'seizure' }, 1, sums);
    const c = calibrationFigures(sums);
    expect(c.bins.map((b) => [b.lower, b.rows, b.weight, b.meanPredicted, b.observedRate])).toEqual([
      [0, 2, 20, expect.closeTo(0.05, 12), 0.5],
      [0.9, 1, 1, 0.95, 1],
    ]);
    // ECE = (20·|0.05 − 0.5| + 1·|0.95 − 1|) / 21
    expect(c.expectedCalibrationError).toBeCloseTo((20 * 0.45 + 0.05) / 21, 12);
    expect(c.rows).toBe(3);
  });
});

test('COUNT_CELL_OFFSET points at tp_rows', () => {
  expect(DECISION_FIELDS[COUNT_CELL_OFFSET]).toBe('tp_rows');
});
