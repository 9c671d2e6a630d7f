import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import type { FairnessTable } from '../../metrics/fairness.ts';
import { createAggregateWriter } from '../../service/monitoring/aggregate-writer.ts';
import { createCardCatalog } from '../../service/monitoring/card-catalog.ts';
import type { CountedDecision } from '../../service/monitoring/decision-cells.ts';
import { buildMonitoringTestApp, syntheticDecision, syntheticOutcome, type MonitoringTestApp, type SyntheticOptions } from './monitoring-fixtures.ts';

/**
 * The reports on simulated decisions whose ground truth is known: inverse-propensity estimates
 * cover the truth; drift shows on shifted features and not on unshifted ones. Decisions go in
 * through the aggregate writer (the code path of every decision-log batch) in bulk, and the
 * reports come out over HTTP from the real app.
 */

const NOW = Date.parse('2025-03-01T16:00:00Z');
const DAY = 86_400_000;
const THRESHOLD = 0.15;
const RANDOM_RATE = 0.05;

let t: MonitoringTestApp;

/** Writes decisions (and their outcomes) through the aggregate writer, as one batch per call. */
function writeDecisions(items: readonly { decision: CountedDecision; outcome: ReturnType<typeof syntheticOutcome> }[]): void {
  const db = t.app.storage.databases.write;
  const catalog = createCardCatalog({ cards: [t.app.model.card] });
  const writer = createAggregateWriter({ db, layoutFor: (v) => catalog.layout(v) });
  db.transaction(() => {
    const deltas = writer.deltas();
    for (const { decision, outcome } of items) {
      deltas.addDecision(decision);
      if (outcome !== null) deltas.addOutcome(decision, null, outcome);
    }
    writer.apply(deltas);
  })();
}

interface Truth {
  n: number;
  positives: number;
  referred: number;
  truePositives: number;
  releasedPositives: number;
}

function simulate(seed: number, count: number, options: Omit<SyntheticOptions, 'at' | 'threshold' | 'randomRate'> & { from: number; to: number }): Truth {
  const random = createRandom(seed);
  const truth: Truth = { n: 0, positives: 0, referred: 0, truePositives: 0, releasedPositives: 0 };
  const items: { decision: CountedDecision; outcome: ReturnType<typeof syntheticOutcome> }[] = [];
  for (let i = 0; i < count; i++) {
    const at = options.from + Math.floor(random.next() * (options.to - options.from));
    const s = syntheticDecision(random, { ...options, at, threshold: THRESHOLD, randomRate: RANDOM_RATE });
    items.push({ decision: s.decision, outcome: syntheticOutcome(random, s, { missing: 0.1, officerRate: 0.01 }) });
    truth.n++;
    truth.positives += s.truth;
    if (s.decision.modelRecommendation === 'refer') {
      truth.referred++;
      truth.truePositives += s.truth;
    } else truth.releasedPositives += s.truth;
  }
  writeDecisions(items);
  return truth;
}

let truth: Truth;
beforeAll(async () => {
  t = await buildMonitoringTestApp({ clock: () => NOW });
  // Weeks 1-3 before now: unshifted (the training distribution); the last 7 days: feature 3 shifted at port 2506.
  truth = simulate(11, 60_000, { from: NOW - 28 * DAY, to: NOW - 7 * DAY, port: '2504' });
  simulate(12, 3000, { from: NOW - 7 * DAY, to: NOW, port: '2504' });
  simulate(13, 3000, { from: NOW - 7 * DAY, to: NOW, port: '2506', featureShift: 2, shiftedFeature: 3 });
});
afterAll(async () => {
  await t?.close();
});

describe('inverse-propensity estimates from the random selection', () => {
  test('prevalence, recall, FNR, FPR, FOR and precision: the truth is inside each 95 % interval', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/monitoring/performance?from=${new Date(NOW - 28 * DAY).toISOString()}&to=${new Date(NOW - 7 * DAY).toISOString()}`,
      headers: t.auth('oversight'),
    });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.decisions).toBe(truth.n);
    const negatives = truth.n - truth.positives;
    const expected = {
      prevalence: truth.positives / truth.n,
      recall: truth.truePositives / truth.positives,
      falseNegativeRate: 1 - truth.truePositives / truth.positives,
      falsePositiveRate: (truth.referred - truth.truePositives) / negatives,
      falseOmissionRate: truth.releasedPositives / (truth.n - truth.referred),
      precision: truth.truePositives / truth.referred,
    };
    if (process.env.MONITOR_DEBUG === "1") console.log(JSON.stringify({ expected, estimates: report.estimates }, null, 1));
    for (const [name, value] of Object.entries(expected)) {
      const estimate = report.estimates[name];
      expect(estimate.interval, name).not.toBeNull();
      expect(value, `${name}: truth ${value} in [${estimate.interval.lower}, ${estimate.interval.upper}] (estimate ${estimate.value})`).toBeGreaterThanOrEqual(
        estimate.interval.lower,
      );
      expect(value, name).toBeLessThanOrEqual(estimate.interval.upper);
    }
    // The random sample alone, unweighted, is a uniform sample: its hit rate estimates prevalence too.
    expect(report.hitRates.random.interval.lower).toBeLessThanOrEqual(expected.prevalence);
    expect(report.hitRates.random.interval.upper).toBeGreaterThanOrEqual(expected.prevalence);
    // The weights of the random selections stand for (about) all decisions.
    expect(report.randomSampleStandsFor / truth.n).toBeGreaterThan(0.9);
    expect(report.randomSampleStandsFor / truth.n).toBeLessThan(1.1);
    // 10 % of recommended referrals have no outcome.
    expect(report.labelCoverage.value).toBeGreaterThan(0.87);
    expect(report.labelCoverage.value).toBeLessThan(0.93);
  });

  test('the scores are calibrated by construction (P(contraband) = score): every calibration bin covers its mean prediction', async () => {
    const report = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/monitoring/performance?from=${new Date(NOW - 28 * DAY).toISOString()}&to=${new Date(NOW - 7 * DAY).toISOString()}`,
        headers: t.auth('oversight'),
      })
    ).json();
    expect(report.calibration.bins.length).toBeGreaterThan(1);
    for (const bin of report.calibration.bins) {
      if (bin.rows < 30) continue;
      expect(bin.meanPredicted, JSON.stringify(bin)).toBeGreaterThanOrEqual(bin.interval.lower);
      expect(bin.meanPredicted, JSON.stringify(bin)).toBeLessThanOrEqual(bin.interval.upper);
    }
    expect(report.calibration.expectedCalibrationError).toBeLessThan(0.02);
  });

  test('with no random selection the miss rates are null, not guessed', async () => {
    const random = createRandom(5);
    const at = NOW - 40 * DAY;
    const items = Array.from({ length: 200 }, () => {
      const s = syntheticDecision(random, { at, threshold: THRESHOLD, randomRate: 0 });
      return { decision: s.decision, outcome: syntheticOutcome(random, s, { missing: 0, officerRate: 0 }) };
    });
    writeDecisions(items);
    const report = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/monitoring/performance?from=${new Date(at).toISOString()}&to=${new Date(at + 1).toISOString()}`,
        headers: t.auth('oversight'),
      })
    ).json();
    expect(report.decisions).toBe(200);
    expect(report.estimates.releasesSampled).toBe(false);
    expect(report.estimates.recall.value).toBeNull();
    expect(report.estimates.prevalence.value).toBeNull();
    expect(report.estimates.precision.value).not.toBeNull();
  });
});

describe('drift against the model card', () => {
  const window = `from=${new Date(NOW - 7 * DAY).toISOString()}&to=${new Date(NOW).toISOString()}`;

  test('decisions drawn from the training distribution show no drift', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/v1/monitoring/drift?${window}&port=2504`, headers: t.auth('model_owner') });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.model).toBe('test-lr');
    expect(report.count).toBe(3000);
    expect(report.score.level).toBe('none');
    for (const f of report.features) expect(f.level, `${f.name} PSI ${f.psi}`).toBe('none');
    expect(report.summary).toEqual({ alert: 0, warn: 0, none: 36, insufficientData: 0 });
  });

  test('a shifted feature is an alert and ranked first; the others are not', async () => {
    const report = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/drift?${window}&port=2506`, headers: t.auth('oversight') })).json();
    const shifted = t.app.model.card.reference.features[3]!.name;
    expect(report.features[0].name).toBe(shifted);
    expect(report.features[0].level).toBe('alert');
    expect(report.features[0].psi).toBeGreaterThan(0.25);
    expect(report.features[0].jensenShannon).toBeGreaterThan(0.2);
    expect(report.features[0].counts.reduce((a: number, b: number) => a + b, 0)).toBe(3000);
    for (const f of report.features.slice(1)) expect(f.level, f.name).toBe('none');
    // Both ports together: the shift is diluted by half but still shows.
    const both = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/drift?${window}`, headers: t.auth('oversight') })).json();
    expect(both.count).toBe(6000);
    expect(both.features[0].name).toBe(shifted);
    expect(both.features[0].psi).toBeLessThan(report.features[0].psi);
  });

  test('too few live values are insufficient_data, listed after the judged ones', async () => {
    const report = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/drift?${window}&port=2506&minCount=5000`, headers: t.auth('oversight') })).json();
    expect(report.summary.insufficientData).toBe(36);
    expect(report.score.level).toBe('insufficient_data');
  });

  test('/metrics carries the drift and precision gauges of the rolling window', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth('scraper') })).body;
    const shifted = t.app.model.card.reference.features[3]!.name;
    const psi = new RegExp(`referral_monitor_drift_psi\\{model_version="test-lr",feature="${shifted}"\\} ([0-9.]+)`).exec(text);
    expect(psi).not.toBeNull();
    expect(Number(psi![1])).toBeGreaterThan(0.1);
    expect(text).toMatch(new RegExp(`referral_monitor_drift_level\\{model_version="test-lr",feature="${shifted}"\\} [12]`));
    expect(text).toMatch(/referral_monitor_decisions\{port="2506",model_version="test-lr"\} 3000/);
    expect(text).toMatch(/referral_monitor_hit_rate\{port="2504",model_version="test-lr",route="model"\} 0\.\d+/);
    expect(text).toMatch(/referral_monitor_label_coverage\{port="2504",model_version="test-lr"\} 0\.\d+/);
    expect(text).toMatch(/referral_monitor_window_seconds 604800/);
  });
});

// Last in the file: its fairness request starts the fairness worker thread, whose start-up on a busy
// machine can push the event-loop delay past the overload guard (503) for the requests right after.
describe('no model referral has an outcome yet', () => {
  test('recall, FNR, FPR and prevalence are null, not 0, and FPR and FNR per group too', async () => {
    // Only the random selections the model released have results; every model referral is pending.
    const random = createRandom(6);
    const at = NOW - 50 * DAY;
    const items = Array.from({ length: 400 }, () => {
      const s = syntheticDecision(random, { at, threshold: THRESHOLD, randomRate: 0.2 });
      const sampledRelease = s.decision.modelRecommendation === 'release' && s.decision.randomlySelected;
      return { decision: s.decision, outcome: sampledRelease ? syntheticOutcome(random, s, { missing: 0, officerRate: 0 }) : null };
    });
    writeDecisions(items);
    const window = `from=${new Date(at).toISOString()}&to=${new Date(at + 1).toISOString()}`;
    const report = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/performance?${window}`, headers: t.auth('oversight') })).json();
    expect(report.decisions).toBe(400);
    expect(report.modelReferralRate.numerator).toBeGreaterThan(0);
    expect(report.estimates).toMatchObject({ referralsSampled: false, releasesSampled: true });
    for (const k of ['prevalence', 'recall', 'falseNegativeRate', 'falsePositiveRate']) expect(report.estimates[k].value, k).toBeNull();
    expect(report.estimates.falseOmissionRate.value).not.toBeNull();

    const fairness = await t.app.inject({
      method: 'GET',
      url: `/v1/monitoring/fairness?${window}&attributes=sex&unit=driver&minCount=0&replicates=50&seed=1`,
      headers: t.auth('oversight'),
    });
    expect(fairness.statusCode, fairness.body).toBe(200);
    const groups = fairness.json<{ tables: FairnessTable[] }>().tables[0]!.groups;
    const pending = groups.filter((g) => g.counts.unlabelledReferred > 0);
    expect(pending.length).toBeGreaterThan(0);
    for (const g of pending) {
      expect(g.metrics.falsePositiveRate.value, g.label).toBeNull();
      expect(g.metrics.falseNegativeRate.value, g.label).toBeNull();
      if (g.counts.labelledRows.trueNegatives + g.counts.labelledRows.falseNegatives > 0) expect(g.metrics.falseOmissionRate.value, g.label).not.toBeNull();
    }
  });
});
