// Fairness: GET /v1/monitoring/fairness. Every figure, interval, disparity, verdict and the outcome
// test come from the API (metrics/fairness.ts); this page lays them out and highlights the groups
// the API judged outside the band for the chosen metric.

import { getJson } from '../lib/api.js';
import { chartCard, emptyNote } from '../lib/card.js';
import { csvName } from '../lib/csv.js';
import { count, decimal, percent, percentInterval, ratio, ratioInterval } from '../lib/format.js';
import { intervalChart } from '../lib/svg-chart.js';
import { badge, clear, clearStatus, el, showError, showStatus, table, withInterval } from '../lib/ui.js';
import { navigate, param, showWindow, startPage, windowQuery } from '../lib/view.js';

const ATTRIBUTES = [
  ['sex', 'Sex'],
  ['ageBand', 'Age band'],
  ['citizenship', 'Citizenship'],
];
const DEFAULT_ATTRIBUTES = 'citizenship';

const METRICS = {
  predictedPrevalence: { short: 'PPrev', name: 'Referral rate', explain: 'share of the group referred' },
  precision: { short: 'Precision', name: 'Hit rate', explain: 'share of the group\u2019s inspected referrals that found contraband' },
  falsePositiveRate: { short: 'FPR', name: 'False positive rate', explain: 'share of the group\u2019s clean crossings that were referred (from the random selection)' },
  falseNegativeRate: { short: 'FNR', name: 'False negative rate', explain: 'share of the group\u2019s contraband crossings that were released (from the random selection)' },
  falseDiscoveryRate: { short: 'FDR', name: 'False discovery rate', explain: 'share of the group\u2019s inspected referrals that found nothing' },
  falseOmissionRate: { short: 'FOR', name: 'False omission rate', explain: 'share of the group\u2019s released crossings that carried contraband (from the random selection)' },
  predictedPositiveRatio: { short: 'PPR', name: 'Share of all referrals', explain: 'the group\u2019s share of every referral (grows with group size)' },
};
const DEFAULT_METRIC = 'predictedPrevalence';

const STATUS_TEXT = {
  reference: ['reference', 'reference'],
  within_band: ['within', 'within the band'],
  outside_band: ['flag', 'outside the band'],
  inconclusive: ['inconclusive', 'inconclusive'],
  too_small: ['small', 'too few to judge'],
  undefined: ['small', 'no value'],
};

/** Groups (and metric denominators) smaller than this are reported as too small, not judged (the API's minCount). */
const DEFAULT_MIN_COUNT = 30;

function minCount() {
  const n = Number(param('minCount', String(DEFAULT_MIN_COUNT)));
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_MIN_COUNT;
}

function minCountChoices() {
  return [...new Set([DEFAULT_MIN_COUNT, 50, 100, 200, 500, minCount()])].sort((a, b) => a - b);
}

function selectedAttributes() {
  return param('attributes', DEFAULT_ATTRIBUTES).split(',').filter((a) => ATTRIBUTES.some(([name]) => name === a));
}

function metricKey() {
  const m = param('metric', DEFAULT_METRIC);
  return m in METRICS ? m : DEFAULT_METRIC;
}

/** reference=citizenship:USA,sex:female → { citizenship: 'USA', sex: 'female' }. */
function references() {
  const out = {};
  for (const item of param('reference').split(',').filter(Boolean)) {
    const at = item.indexOf(':');
    if (at > 0) out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function setReference(attribute, value) {
  const refs = references();
  if (value) refs[attribute] = value;
  else delete refs[attribute];
  navigate({ reference: Object.entries(refs).map(([a, v]) => `${a}:${v}`).join(',') });
}

function controls() {
  const chosen = selectedAttributes();
  const metric = metricKey();
  const toggle = (name, on) => {
    const next = ATTRIBUTES.map(([a]) => a).filter((a) => (a === name ? on : chosen.includes(a)));
    if (next.length === 0) return;
    const refs = references();
    navigate({ attributes: next.join(','), reference: Object.entries(refs).filter(([a]) => next.includes(a)).map(([a, v]) => `${a}:${v}`).join(',') });
  };
  return el(
    'div',
    { class: 'controls' },
    el(
      'fieldset',
      {},
      el('legend', {}, 'Attributes (several: each alone, then their intersections)'),
      ATTRIBUTES.map(([name, label]) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'attribute', value: name, checked: chosen.includes(name), onchange: (e) => toggle(name, e.target.checked) }), label),
      ),
    ),
    el(
      'label',
      {},
      'Who counts',
      el(
        'select',
        { name: 'unit', onchange: (e) => navigate({ unit: e.target.value === 'occupant' ? '' : e.target.value }) },
        el('option', { value: 'occupant', selected: param('unit', 'occupant') === 'occupant' }, 'every occupant'),
        el('option', { value: 'driver', selected: param('unit') === 'driver' }, 'drivers only'),
      ),
    ),
    el(
      'label',
      {},
      'Smallest group judged',
      el(
        'select',
        { name: 'minCount', onchange: (e) => navigate({ minCount: e.target.value === String(DEFAULT_MIN_COUNT) ? '' : e.target.value }) },
        minCountChoices().map((n) => el('option', { value: n, selected: n === minCount() }, `${n} people${n === DEFAULT_MIN_COUNT ? ' (default)' : ''}`)),
      ),
    ),
    el(
      'label',
      {},
      'Compare groups on',
      el(
        'select',
        { name: 'metric', onchange: (e) => navigate({ metric: e.target.value === DEFAULT_METRIC ? '' : e.target.value }) },
        Object.entries(METRICS).map(([key, m]) => el('option', { value: key, selected: key === metric }, `${m.name} (${m.short})`)),
      ),
    ),
  );
}

function verdict(status) {
  const [kind, text] = STATUS_TEXT[status] ?? ['small', status];
  return badge(kind, text);
}

function groupTable(t, metric) {
  const attribute = t.attributes.length === 1 ? t.attributes[0] : null;
  const highlighted = (g) => g.disparities[metric].status === 'outside_band';
  const columns = [
    {
      label: 'Group',
      text: true,
      cell: (g) => [
        g.label,
        ' ',
        g.disparities[metric].status === 'reference' ? badge('reference', 'reference') : null,
        highlighted(g) ? badge('flag', '⚠ outside the band') : null,
        g.status === 'too_small' ? badge('small', 'small group') : null,
      ],
    },
    { label: 'People', cell: (g) => count(g.decisions) },
    { label: 'Referred', cell: (g) => count(g.referrals) },
    { label: 'Referral rate', cell: (g) => withInterval(percent(g.metrics.predictedPrevalence.value), percentInterval(g.metrics.predictedPrevalence.interval)) },
    { label: 'Hit rate', cell: (g) => withInterval(percent(g.metrics.precision.value), percentInterval(g.metrics.precision.interval)) },
    { label: 'FPR (random sel.)', cell: (g) => withInterval(percent(g.metrics.falsePositiveRate.value), percentInterval(g.metrics.falsePositiveRate.interval)) },
    { label: 'FNR (random sel.)', cell: (g) => withInterval(percent(g.metrics.falseNegativeRate.value), percentInterval(g.metrics.falseNegativeRate.interval)) },
    { label: `Disparity: ${METRICS[metric].short}`, cell: (g) => withInterval(ratio(g.disparities[metric].ratio), ratioInterval(g.disparities[metric].interval)) },
    { label: 'Verdict', cell: (g) => verdict(g.disparities[metric].status) },
    { label: 'Outside the band in', text: true, cell: (g) => (g.flagged.length === 0 ? '–' : g.flagged.map((m) => METRICS[m].short).join(', ')) },
  ];
  return table(columns, t.groups, {
    caption: `${t.attributes.join(' × ')}: ${count(t.totals.decisions)} people, ${count(t.totals.referrals)} referred; reference ${t.reference.label} (${t.reference.chosenBy === 'given' ? 'chosen' : 'the largest group'})`,
    rowAttributes: (g) => ({
      class: [highlighted(g) ? 'flagged' : '', g.status === 'too_small' ? 'small' : '', g.disparities[metric].status === 'reference' ? 'reference' : ''].join(' ').trim() || null,
      dataset: { group: g.label, status: g.disparities[metric].status, attribute: attribute ?? t.attributes.join('&') },
    }),
  });
}

function referencePicker(t) {
  if (t.attributes.length !== 1) return null;
  const attribute = t.attributes[0];
  const current = references()[attribute] ?? '';
  return el(
    'label',
    { class: 'reference-picker' },
    `Reference group for ${attribute}`,
    el(
      'select',
      { name: `reference-${attribute}`, onchange: (e) => setReference(attribute, e.target.value) },
      el('option', { value: '', selected: current === '' }, 'the largest group'),
      t.groups.map((g) => el('option', { value: g.key[0], selected: g.key[0] === current }, `${g.label} (${count(g.decisions)})`)),
    ),
  );
}

function tableCsv(t, span) {
  const metrics = Object.keys(METRICS);
  return () => ({
    filename: csvName('fairness', `groups-${t.attributes.join('-')}`, span),
    header: [
      'group',
      ...t.attributes,
      'status',
      'people',
      'referred',
      'labelled',
      ...metrics.flatMap((m) => [`${m}`, `${m}_lower`, `${m}_upper`, `${m}_rows`]),
      ...metrics.flatMap((m) => [`${m}_disparity`, `${m}_disparity_lower`, `${m}_disparity_upper`, `${m}_verdict`]),
      'reference',
      'band_lower',
      'band_upper',
      'confidence',
    ],
    rows: t.groups.map((g) => [
      g.label,
      ...g.key,
      g.status,
      g.decisions,
      g.referrals,
      g.labelled,
      ...metrics.flatMap((m) => [g.metrics[m].value, g.metrics[m].interval?.lower, g.metrics[m].interval?.upper, g.metrics[m].rows]),
      ...metrics.flatMap((m) => [g.disparities[m].ratio, g.disparities[m].interval?.lower, g.disparities[m].interval?.upper, g.disparities[m].status]),
      t.reference.label,
      t.band.lower,
      t.band.upper,
      t.confidence,
    ]),
  });
}

function marker(g, metric) {
  if (g.disparities[metric].status === 'reference') return 'reference';
  if (g.disparities[metric].status === 'outside_band') return 'flag';
  if (g.status === 'too_small') return 'small';
  return null;
}

function hitRateCard(t, metric, span, key) {
  const test = t.outcomeTest;
  const { card, body } = chartCard({
    key: `hit-rate-${key}`,
    title: 'Hit rate by group (the outcome test)',
    description: `Seizures per inspected referral in each group, with ${Math.round(t.confidence * 100)} % intervals; the dashed line is the hit rate of all groups together.`,
    csv: () => ({
      filename: csvName('fairness', `hit-rate-${t.attributes.join('-')}`, span),
      header: ['group', 'inspected', 'hits', 'hit_rate', 'lower', 'upper', 'pooled_hit_rate', 'chi_square', 'degrees_of_freedom', 'p_value'],
      rows: t.groups.map((g) => {
        const o = test.groups.find((x) => x.label === g.label);
        return [g.label, o?.inspected, o?.hits, g.metrics.precision.value, g.metrics.precision.interval?.lower, g.metrics.precision.interval?.upper, test.pooledHitRate, test.chiSquare, test.degreesOfFreedom, test.pValue];
      }),
    }),
  });
  const rows = t.groups.map((g) => ({
    label: g.label,
    value: g.metrics.precision.value,
    lower: g.metrics.precision.interval?.lower ?? null,
    upper: g.metrics.precision.interval?.upper ?? null,
    marker: marker(g, metric),
    note: g.metrics.precision.value === null ? 'no inspected referrals' : `${g.metrics.precision.rows} inspected`,
  }));
  if (rows.every((r) => r.value === null)) emptyNote(body, 'No inspected referrals in this window.');
  else {
    const top = Math.max(0.05, ...rows.map((r) => r.upper ?? r.value ?? 0));
    intervalChart(body, { rows, min: 0, max: Math.min(1, top * 1.1), format: (v) => percent(v, v < 0.1 ? 1 : 0), axisLabel: 'hit rate of inspected referrals', refLine: { value: test.pooledHitRate, label: `all groups ${percent(test.pooledHitRate)}` } });
  }
  body.append(
    el(
      'p',
      { class: 'readout' },
      test.pValue === null
        ? 'Too few inspections for the chi-square test of equal hit rates.'
        : `Chi-square test of equal hit rates: χ² = ${decimal(test.chiSquare, 2)}, ${test.degreesOfFreedom} degrees of freedom, p = ${decimal(test.pValue, 3)}${test.smallestExpectedCount !== null && test.smallestExpectedCount < 5 ? ' (some expected counts are below 5: read with care)' : ''}.`,
    ),
  );
  return card;
}

function disparityCard(t, metric, span, key) {
  const m = METRICS[metric];
  const { card, body } = chartCard({
    key: `disparity-${key}`,
    title: `Disparity in ${m.name.toLowerCase()} against ${t.reference.label}`,
    description: `Group ${m.short} divided by the reference group's, with its bootstrap interval (${t.replicates} replicates); shaded: the band ${ratio(t.band.lower)} – ${ratio(t.band.upper)}. Log scale.`,
    csv: () => ({
      filename: csvName('fairness', `disparity-${metric}-${t.attributes.join('-')}`, span),
      header: ['group', 'metric', 'value', 'reference_value', 'disparity', 'lower', 'upper', 'verdict', 'band_lower', 'band_upper'],
      rows: t.groups.map((g) => {
        const ref = t.groups.find((x) => x.disparities[metric].status === 'reference');
        return [g.label, metric, g.metrics[metric].value, ref?.metrics[metric].value, g.disparities[metric].ratio, g.disparities[metric].interval?.lower, g.disparities[metric].interval?.upper, g.disparities[metric].status, t.band.lower, t.band.upper];
      }),
    }),
  });
  const rows = t.groups.map((g) => ({
    label: g.label,
    value: g.disparities[metric].ratio,
    lower: g.disparities[metric].interval?.lower ?? null,
    upper: g.disparities[metric].interval?.upper ?? null,
    marker: marker(g, metric),
    note: STATUS_TEXT[g.disparities[metric].status]?.[1],
  }));
  const values = rows.flatMap((r) => [r.value, r.lower, r.upper]).filter((v) => v !== null && v > 0);
  if (values.length === 0) emptyNote(body, 'No disparity can be computed for this metric in this window.');
  else {
    const min = Math.max(0.05, Math.min(0.5, ...values) * 0.9);
    const max = Math.min(50, Math.max(2, ...values) * 1.1);
    intervalChart(body, { rows, min, max, log: true, format: (v) => ratio(v), axisLabel: `${m.short} ÷ reference ${m.short}`, band: t.band, refLine: { value: 1, label: 'parity' } });
  }
  return card;
}

function explanation(report) {
  return el(
    'section',
    { class: 'note', dataset: { note: 'how-to-read' } },
    el('h2', {}, 'How to read this page'),
    el(
      'p',
      {},
      'Each row is a group of people who crossed. The referral rate is the share of the group the model recommended for secondary inspection; the hit rate is the share of those inspections that found contraband. FPR and FNR come only from the crossings selected at random, the one part of the traffic inspected regardless of score, so they describe all crossings and not just the referred ones.',
    ),
    el(
      'p',
      {},
      'A disparity divides a group\u2019s figure by the reference group\u2019s: 1.00 is parity, 1.50 means half as much again. A group is highlighted (red edge, ⚠) only when the whole interval of its disparity lies outside the band, so chance alone rarely flags it; "inconclusive" means the estimate is outside the band but the interval reaches back into it: more data will tell. Small groups are shown but not judged.',
    ),
    el('h3', {}, 'Limits'),
    el(
      'ul',
      {},
      el('li', {}, 'A difference is not proof of unfairness, and no flag is not proof of fairness. Groups can differ for reasons the model did not cause, such as where and when they cross.'),
      el('li', {}, report.outcomeTestCaveat),
      el('li', {}, 'Audit attributes are as travelers reported them; people without a record are grouped as not_recorded. Counting every occupant means people in one vehicle share an outcome, which makes intervals somewhat too narrow; "drivers only" is the conservative reading.'),
      el('li', {}, report.flagRule),
    ),
  );
}

async function draw() {
  const content = document.getElementById('content');
  showStatus('Loading…');
  try {
    const q = windowQuery();
    const metric = metricKey();
    const refs = references();
    const report = await getJson('/v1/monitoring/fairness', {
      ...q,
      attributes: selectedAttributes().join(','),
      reference: Object.entries(refs).map(([a, v]) => `${a}:${v}`).join(','),
      unit: param('unit') || undefined,
      minCount: param('minCount') || undefined,
    });
    clear(content);
    showWindow(report.window);
    content.append(controls());
    if (report.tables.length === 0) {
      content.append(el('p', { class: 'empty' }, 'No decisions in this window.'));
    }
    report.tables.forEach((t, i) => {
      const key = t.attributes.join('-');
      const flaggedCount = t.groups.filter((g) => g.disparities[metric].status === 'outside_band').length;
      content.append(
        el(
          'section',
          { class: 'fairness-table', dataset: { table: key, flagged: String(flaggedCount) } },
          el('h2', {}, t.attributes.length > 1 ? `Intersection: ${t.attributes.join(' × ')}` : `By ${ATTRIBUTES.find(([a]) => a === t.attributes[0])?.[1].toLowerCase() ?? t.attributes[0]}`),
          el(
            'p',
            {},
            flaggedCount === 0
              ? `No group is outside the band ${ratio(t.band.lower)} – ${ratio(t.band.upper)} on ${METRICS[metric].name.toLowerCase()} (${METRICS[metric].explain}).`
              : `${flaggedCount} group${flaggedCount === 1 ? ' is' : 's are'} outside the band ${ratio(t.band.lower)} – ${ratio(t.band.upper)} on ${METRICS[metric].name.toLowerCase()} (${METRICS[metric].explain}).`,
          ),
          el('div', { class: 'controls' }, referencePicker(t)),
          (() => {
            const { card, body } = chartCard({ key: `groups-${key}`, title: 'Group table', description: 'Figures with their intervals underneath.', csv: tableCsv(t, report.window) });
            body.append(groupTable(t, metric));
            body.dataset.state = 'ready';
            body.dataset.points = String(t.groups.length);
            return card;
          })(),
          el('div', { class: 'grid' }, hitRateCard(t, metric, report.window, `${key}-${i}`), disparityCard(t, metric, report.window, `${key}-${i}`)),
        ),
      );
    });
    content.append(explanation(report));
    clearStatus();
  } catch (error) {
    showError(error);
  }
}

startPage(draw);
