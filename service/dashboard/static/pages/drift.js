// Drift: GET /v1/monitoring/drift. PSI, Jensen–Shannon distance, levels and the binned
// distributions all come from the API (metrics/drift.ts against the model card's bins).

import { getJson } from '../lib/api.js';
import { binBounds, binLabels } from '../lib/bins.js';
import { chartCard, emptyNote } from '../lib/card.js';
import { csvName } from '../lib/csv.js';
import { count, decimal, percentTick } from '../lib/format.js';
import { barChart, groupedBars } from '../lib/svg-chart.js';
import { badge, clear, clearStatus, el, showError, showStatus, table, tile } from '../lib/ui.js';
import { navigate, param, showWindow, startPage, windowQuery } from '../lib/view.js';

const LEVELS = {
  alert: ['alert', 'alert'],
  warn: ['warn', 'warn'],
  none: ['none', 'stable'],
  insufficient_data: ['insufficient', 'too few values'],
};

function level(l) {
  const [kind, text] = LEVELS[l] ?? ['insufficient', l];
  return badge(kind, text);
}

function rankingCard(report, selected) {
  const all = [report.score, ...report.features];
  const { card, body } = chartCard({
    key: 'psi-ranking',
    title: 'Most drifted features (PSI)',
    description: `Population stability index of each feature against the training data, most drifted first. Marks: warn at ${report.thresholds.warn}, alert at ${report.thresholds.alert}. Select a bar to see its distribution.`,
    csv: () => ({
      filename: csvName('drift', 'psi-ranking', report.window),
      header: ['rank', 'name', 'psi', 'jensen_shannon', 'level', 'count'],
      rows: all.map((f, i) => [i, f.name, f.psi, f.jensenShannon, f.level, f.count]),
    }),
  });
  if (report.count === 0) {
    emptyNote(body, `No scored crossings of model ${report.model} in this window.`);
    return card;
  }
  // The score and the 15 most drifted features; the table below lists all of them.
  barChart(body, {
    rows: all.slice(0, 16).map((f) => ({ label: f.name, value: f.psi, level: f.level, note: f.level === 'insufficient_data' ? `${f.count} values: too few to judge` : `${LEVELS[f.level]?.[1] ?? f.level}, JS ${decimal(f.jensenShannon)}` })),
    marks: [
      { value: report.thresholds.warn, label: `warn ${report.thresholds.warn}`, colour: '#7a4a00' },
      { value: report.thresholds.alert, label: `alert ${report.thresholds.alert}`, colour: '#a1001a' },
    ],
    format: (v) => decimal(v, 2),
    axisLabel: 'PSI',
    selected,
    onSelect: (row) => navigate({ feature: row.label }),
  });
  return card;
}

function distributionCard(report, view) {
  const labels = binLabels(view.edges);
  const { card, body } = chartCard({
    key: 'feature-distribution',
    title: `${view.name}: now and at training`,
    description: `Share of crossings per bin (the bins fixed in the model card). ${count(view.count)} values now; PSI ${decimal(view.psi)}, Jensen–Shannon distance ${decimal(view.jensenShannon)}.`,
    csv: () => ({
      filename: csvName('drift', `distribution-${view.name}`, report.window),
      header: ['bin', 'lower', 'upper', 'count_now', 'share_now', 'share_training'],
      rows: binBounds(view.edges).map(([lower, upper], i) => [labels[i], lower, upper, view.counts[i], view.actual[i], view.reference[i]]),
    }),
  });
  body.dataset.feature = view.name;
  if (view.count === 0) emptyNote(body, 'No values in this window.');
  else groupedBars(body, { categories: labels, series: [{ label: 'now', values: view.actual }, { label: 'training', values: view.reference, colour: '#8a8a8a' }], format: percentTick, yLabel: 'share of crossings' });
  body.append(el('ul', { class: 'legend' }, el('li', {}, el('span', { class: 'swatch c0' }), 'now'), el('li', {}, el('span', { class: 'swatch ref' }), 'training data (model card)')));
  return card;
}

function driftTable(report, selected) {
  const all = [report.score, ...report.features];
  return table(
    [
      { label: 'Feature', text: true, cell: (f) => f.name },
      { label: 'PSI', cell: (f) => decimal(f.psi) },
      { label: 'Jensen–Shannon', cell: (f) => decimal(f.jensenShannon) },
      { label: 'Level', cell: (f) => level(f.level) },
      { label: 'Values', cell: (f) => count(f.count) },
    ],
    all,
    {
      caption: 'Select a row to see its distribution.',
      rowAttributes: (f) => ({
        class: `selectable${f.name === selected ? ' selected' : ''}`,
        tabindex: 0,
        dataset: { feature: f.name, level: f.level },
        onclick: () => navigate({ feature: f.name }),
        onkeydown: (e) => {
          if (e.key === 'Enter') navigate({ feature: f.name });
        },
      }),
    },
  );
}

async function draw() {
  const content = document.getElementById('content');
  showStatus('Loading…');
  try {
    const report = await getJson('/v1/monitoring/drift', windowQuery());
    clear(content);
    showWindow(report.window);
    const all = [report.score, ...report.features];
    const selected = all.find((f) => f.name === param('feature')) ?? report.features[0] ?? report.score;
    content.append(
      el(
        'div',
        { class: 'tiles' },
        tile('model', 'Model', report.model, `trained on ${count(report.reference.trainingRows)} rows${report.reference.from ? ` from ${String(report.reference.from).slice(0, 10)} to ${String(report.reference.to ?? '').slice(0, 10)}` : ''}`),
        tile('values', 'Crossings scored', count(report.count), report.count < report.thresholds.minimumCount ? `fewer than ${count(report.thresholds.minimumCount)}: not judged` : `drift is judged from ${count(report.thresholds.minimumCount)} on`),
        tile('alert', 'Alert', count(report.summary.alert), `PSI ≥ ${report.thresholds.alert}`),
        tile('warn', 'Warn', count(report.summary.warn), `PSI ≥ ${report.thresholds.warn}`),
        tile('score-psi', 'Score PSI', decimal(report.score.psi), LEVELS[report.score.level]?.[1] ?? report.score.level),
      ),
      el('div', { class: 'grid' }, rankingCard(report, selected.name), distributionCard(report, selected)),
      el('h2', {}, 'All features'),
      driftTable(report, selected.name),
      el(
        'section',
        { class: 'note' },
        el('h2', {}, 'How to read this page'),
        el(
          'p',
          {},
          `PSI compares the share of crossings in each bin now with the share in the training data. Below ${report.thresholds.warn} the feature is stable; from ${report.thresholds.warn} it has moved (warn); from ${report.thresholds.alert} it has moved a lot (alert) and the model's scores may no longer mean what they did at training. Drift is not an error in itself: traffic changes with seasons, and a drifting feature is a reason to look, and perhaps to retrain.`,
        ),
      ),
    );
    clearStatus();
  } catch (error) {
    showError(error);
  }
}

startPage(draw);
