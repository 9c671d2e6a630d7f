// Accuracy: GET /v1/monitoring/performance (headline figures, calibration),
// /v1/monitoring/performance/series (hit rate, referral rate and label coverage over time),
// /v1/monitoring/drift (score distribution now vs at training) and /dashboard/api/model (budget).

import { getJson } from '../lib/api.js';
import { binBounds, binLabels } from '../lib/bins.js';
import { chartCard, emptyNote } from '../lib/card.js';
import { csvName } from '../lib/csv.js';
import { count, decimal, percent, percentTick, percentInterval, rateText } from '../lib/format.js';
import { calibrationChart, groupedBars } from '../lib/svg-chart.js';
import { destroyTimeCharts, timeChart } from '../lib/time-chart.js';
import { clear, clearStatus, el, showError, showStatus, tile } from '../lib/ui.js';
import { navigate, param, showWindow, startPage, windowQuery } from '../lib/view.js';

const STEPS = ['hour', 'day', 'week'];
const SPLITS = [
  ['none', 'All together'],
  ['port', 'By port'],
  ['model', 'By model version'],
];

function controls() {
  const step = param('step', 'day');
  const by = param('by', 'none');
  return el(
    'div',
    { class: 'controls' },
    el('label', {}, 'Time step', el('select', { name: 'step', onchange: (e) => navigate({ step: e.target.value === 'day' ? '' : e.target.value }) }, STEPS.map((s) => el('option', { value: s, selected: s === step }, s)))),
    el(
      'label',
      {},
      'Lines',
      el('select', { name: 'by', onchange: (e) => navigate({ by: e.target.value === 'none' ? '' : e.target.value }) }, SPLITS.map(([v, label]) => el('option', { value: v, selected: v === by }, label))),
    ),
  );
}

/** Series points grouped into lines: one line, or one per port or model version. */
function lines(series, pick) {
  const groups = new Map();
  for (const p of series.points) {
    const key = series.by === 'port' ? p.port : series.by === 'model' ? p.model : 'all';
    if (!groups.has(key)) groups.set(key, []);
    const rate = pick(p);
    groups.get(key).push({ t: Date.parse(p.from), value: rate.value, lower: rate.interval?.lower ?? null, upper: rate.interval?.upper ?? null, n: rate.denominator });
  }
  const label = (key) => (series.by === 'port' ? `port ${key}` : series.by === 'model' ? `model ${key}` : 'all decisions');
  return [...groups.entries()].map(([key, points]) => ({ key, label: label(key), points, band: groups.size <= 3 }));
}

function seriesCsv(series, pick, name, span) {
  return () => ({
    filename: csvName('accuracy', name, span),
    header: ['from', 'to', 'port', 'model', 'decisions', 'value', 'numerator', 'denominator', 'lower', 'upper', 'confidence'],
    rows: series.points.map((p) => {
      const r = pick(p);
      return [p.from, p.to, p.port ?? '', p.model ?? '', p.decisions, r.value, r.numerator, r.denominator, r.interval?.lower, r.interval?.upper, series.confidence];
    }),
  });
}

function modelRateInSeries(series) {
  return series.points.length > 0 && series.points[0].modelReferralRate !== undefined;
}

/** The budget line: the filtered port's budget, else the card's target referral rate. */
function budgetLines(model) {
  if (!model) return [];
  const port = param('port');
  const budget = model.policy.budgets.find((b) => b.port === port);
  if (budget) return [{ label: `budget of port ${port} (${percent(budget.budget)})`, value: budget.budget }];
  return [{ label: `model card target referral rate (${percent(model.policy.targetReferralRate)})`, value: model.policy.targetReferralRate }];
}

function tiles(perf, model) {
  const target = model ? percent(model.policy.targetReferralRate) : '–';
  const r = perf.hitRates;
  return el(
    'div',
    { class: 'tiles' },
    tile('decisions', 'Decisions', count(perf.decisions), `mean score ${decimal(perf.meanScore)}`),
    tile('referral-rate', 'Referral rate (model + random)', percent(perf.referralRate.value), `${percentInterval(perf.referralRate.interval)} · ${count(perf.referralRate.numerator)} referred`),
    tile('model-referral-rate', 'Model referral rate', percent(perf.modelReferralRate.value), `target ${target}${model && model.policy.budgets.length > 0 ? ' or the port budget' : ''}`),
    tile('hit-rate-model', 'Hit rate of model referrals', percent(r.model.value), `${percentInterval(r.model.interval)} · ${count(r.model.denominator)} inspected`),
    tile('hit-rate-random', 'Hit rate of random selections', percent(r.random.value), `${percentInterval(r.random.interval)} · ${count(r.random.denominator)} inspected`),
    tile('label-coverage', 'Label coverage', percent(perf.labelCoverage.value), `referrals with an inspection result · ${rateText(perf.labelCoverage)}`),
    tile('recall', 'Recall (estimated)', percent(perf.estimates.recall.value), recallNote(perf.estimates)),
    tile('ece', 'Calibration error (ECE)', decimal(perf.calibration.expectedCalibrationError), `${count(perf.calibration.rows)} inspected crossings`),
  );
}

/** Why recall has no value yet, or its interval: it needs outcomes in both strata of the recommendation. */
function recallNote(estimates) {
  if (!estimates.releasesSampled) return 'needs random selections of releases';
  if (!estimates.referralsSampled) return 'needs outcomes of model referrals';
  return `${percentInterval(estimates.recall.interval)} · from the random selection`;
}

function timeCard(key, title, description, series, pick, { refLines = [], yMax, nLabel, span, yLabel }) {
  const { card, body } = chartCard({ key, title, description, csv: seriesCsv(series, pick, key, span) });
  const drawn = lines(series, pick);
  if (drawn.every((l) => l.points.every((p) => p.value === null))) emptyNote(body, 'No data in this window.');
  else timeChart(body, { series: drawn, refLines, format: (v) => percent(v), yLabel, yMax, nLabel, bandLabel: `${Math.round(series.confidence * 100)} % interval` });
  return card;
}

function scoreCard(drift, span) {
  const score = drift.score;
  const labels = binLabels(score.edges);
  const { card, body } = chartCard({
    key: 'score-distribution',
    title: 'Score distribution: now and at training',
    description: `Share of scored crossings per score bin (model ${drift.model}), against the training data in its card. ${count(score.count)} crossings; PSI ${decimal(score.psi)}.`,
    csv: () => ({
      filename: csvName('accuracy', 'score-distribution', span),
      header: ['bin', 'lower', 'upper', 'count_now', 'share_now', 'share_training'],
      rows: binBounds(score.edges).map(([lower, upper], i) => [labels[i], lower, upper, score.counts[i], score.actual[i], score.reference[i]]),
    }),
  });
  if (score.count === 0) emptyNote(body, 'No scored crossings of this model in this window.');
  else groupedBars(body, { categories: labels, series: [{ label: 'now', values: score.actual }, { label: 'training', values: score.reference, colour: '#8a8a8a' }], format: percentTick, yLabel: 'share of crossings' });
  body.append(el('ul', { class: 'legend' }, el('li', {}, el('span', { class: 'swatch c0' }), 'now'), el('li', {}, el('span', { class: 'swatch ref' }), 'training data (model card)')));
  return card;
}

function calibrationCard(perf, span) {
  const bins = perf.calibration.bins;
  const { card, body } = chartCard({
    key: 'calibration',
    title: 'Calibration: predicted and observed',
    description: 'Per score bin, the mean score against the share of inspections that found contraband (weighted by the inverse selection probability so it describes all crossings). On the dashed line, a score of 5 % means 5 in 100 such crossings carry contraband.',
    csv: () => ({
      filename: csvName('accuracy', 'calibration', span),
      header: ['bin_lower', 'bin_upper', 'inspected', 'weight', 'mean_predicted', 'observed_rate', 'lower', 'upper'],
      rows: bins.map((b) => [b.lower, b.upper, b.rows, b.weight, b.meanPredicted, b.observedRate, b.interval?.lower, b.interval?.upper]),
    }),
  });
  if (bins.length === 0) emptyNote(body, 'No inspected crossings with a result in this window.');
  else
    calibrationChart(body, {
      points: bins.map((b) => ({ x: b.meanPredicted, y: b.observedRate, lower: b.interval?.lower ?? null, upper: b.interval?.upper ?? null, n: b.rows })),
      format: (v) => percent(v, 0),
      xLabel: 'mean predicted probability',
      yLabel: 'observed seizure rate',
    });
  return card;
}

async function draw() {
  const content = document.getElementById('content');
  showStatus('Loading…');
  try {
    const q = windowQuery();
    const step = param('step', 'day');
    const by = param('by', 'none');
    const [perf, series, model] = await Promise.all([
      getJson('/v1/monitoring/performance', q),
      getJson('/v1/monitoring/performance/series', { ...q, step, by }),
      getJson('/dashboard/api/model').catch(() => null),
    ]);
    // The score distribution over exactly the window the performance report answered.
    const drift = await getJson('/v1/monitoring/drift', { from: perf.window.from, to: perf.window.to, port: q.port, model: q.model }).catch((error) => ({ error }));
    destroyTimeCharts();
    clear(content);
    showWindow(perf.window);
    const span = perf.window;
    const band = `${Math.round(series.confidence * 100)} % interval`;
    content.append(
      tiles(perf, model),
      controls(),
      el(
        'div',
        { class: 'grid' },
        timeCard('hit-rate-over-time', 'Hit rate of model referrals', `Seizures per inspection of crossings the model recommended, per ${step}, with its ${band} (Wilson).`, series, (p) => p.hitRates.model, {
          nLabel: 'inspected',
          yLabel: 'hit rate',
          span,
        }),
        // The budget bounds the model's referrals; random selections come on top. The series gives
        // the model's own rate when the API reports it (modelReferralRate), else all referrals.
        timeCard(
          'referral-rate-over-time',
          'Referral rate against the budget',
          modelRateInSeries(series)
            ? `Crossings the model recommended for referral per scored crossing, per ${step} (random selections not included). The dashed line is the budget the threshold was set for.`
            : `Recommended referrals per scored crossing, per ${step}, including the random selections that come on top of the budget. The dashed line is the budget the threshold was set for.`,
          series,
          (p) => (modelRateInSeries(series) ? p.modelReferralRate : p.referralRate),
          { refLines: budgetLines(model), nLabel: 'decisions', yLabel: 'referral rate', span },
        ),
        timeCard('label-coverage-over-time', 'Label coverage', `Share of recommended referrals with an inspection result recorded, per ${step}. Low coverage makes the hit rate less certain.`, series, (p) => p.labelCoverage, {
          yMax: 1,
          nLabel: 'referrals',
          yLabel: 'label coverage',
          span,
        }),
        'error' in drift ? el('section', { class: 'card' }, el('h3', {}, 'Score distribution'), el('p', { class: 'empty' }, drift.error.message)) : scoreCard(drift, span),
        calibrationCard(perf, span),
      ),
    );
    clearStatus();
  } catch (error) {
    showError(error);
  }
}

startPage(draw);
