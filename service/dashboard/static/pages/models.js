// Models: GET /dashboard/api/model: the production model's card as the service loaded it, its
// version and load time, and the referral policy in force.

import { getJson } from '../lib/api.js';
import { chartCard } from '../lib/card.js';
import { csvName } from '../lib/csv.js';
import { count, dateTime, decimal, percent } from '../lib/format.js';
import { calibrationChart } from '../lib/svg-chart.js';
import { clear, clearStatus, el, showError, showStatus, table, tile } from '../lib/ui.js';
import { startPage } from '../lib/view.js';

/** The rate the threshold was chosen for, and what it refers on the holdout when the card says (ties are never split). */
function thresholdNote(policy, card) {
  const achieved = card.decision.achievedReferralRate;
  const target = `chosen for a ${percent(policy.targetReferralRate)} holdout referral rate`;
  return achieved === undefined ? target : `${target}; refers ${percent(achieved)} of the holdout`;
}

function facts(pairs) {
  return el(
    'dl',
    { class: 'facts' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
  );
}

function list(items) {
  return items.length === 0 ? el('p', {}, '–') : el('ul', {}, items.map((i) => el('li', {}, i)));
}

function operatingPointsCard(model, evaluation, key, title) {
  const points = evaluation.atReferralRates;
  const { card, body } = chartCard({
    key,
    title,
    description: `${count(evaluation.rows)} holdout crossings, ${count(evaluation.positives)} carrying contraband. AUC-ROC ${decimal(evaluation.aucRoc)}, AUC-PR ${decimal(evaluation.aucPr)}, calibration error ${decimal(evaluation.expectedCalibrationError)}.`,
    csv: () => ({
      filename: csvName('models', `${key}-${model.version}`),
      header: ['referral_rate', 'threshold', 'precision', 'recall', 'referred'],
      rows: points.map((p) => [p.referralRate, p.threshold, p.precision, p.recall, p.referred]),
    }),
  });
  body.append(
    table(
      [
        { label: 'Referral rate', cell: (p) => percent(p.referralRate) },
        { label: 'Threshold', cell: (p) => decimal(p.threshold, 4) },
        { label: 'Hit rate (precision)', cell: (p) => percent(p.precision) },
        { label: 'Recall', cell: (p) => percent(p.recall) },
        { label: 'Referred', cell: (p) => count(p.referred) },
      ],
      points,
    ),
  );
  body.dataset.state = 'ready';
  body.dataset.points = String(points.length);
  return card;
}

function reliabilityCard(model) {
  const bins = model.card.metrics.holdout.reliability;
  const { card, body } = chartCard({
    key: 'holdout-calibration',
    title: 'Calibration on the holdout',
    description: 'Mean score against the observed rate per score bin, at training time (from the card). Compare with the Accuracy page for the crossings scored since.',
    csv: () => ({
      filename: csvName('models', `holdout-calibration-${model.version}`),
      header: ['bin_lower', 'bin_upper', 'count', 'mean_predicted', 'observed_rate'],
      rows: bins.map((b) => [b.lower, b.upper, b.count, b.meanPredicted, b.observedRate]),
    }),
  });
  calibrationChart(body, {
    points: bins.filter((b) => b.count > 0).map((b) => ({ x: b.meanPredicted, y: b.observedRate, lower: null, upper: null, n: b.count })),
    format: (v) => percent(v, 0),
    xLabel: 'mean predicted probability',
    yLabel: 'observed rate',
  });
  return card;
}

function groupsCard(model) {
  const groups = model.card.quantitativeAnalyses.groups;
  const { card, body } = chartCard({
    key: 'group-metrics',
    wide: true,
    title: 'Group metrics on the holdout',
    description: 'Per audit group, at the card\u2019s threshold, on the training-time holdout.',
    csv: () => ({
      filename: csvName('models', `group-metrics-${model.version}`),
      header: ['attribute', 'group', 'count', 'positives', 'referred', 'tp', 'fp', 'fn', 'tn', 'precision', 'recall', 'fpr', 'fnr', 'referral_rate'],
      rows: groups.map((g) => [g.attribute, g.group, g.count, g.positives, g.referred, g.truePositives, g.falsePositives, g.falseNegatives, g.trueNegatives, g.precision, g.recall, g.falsePositiveRate, g.falseNegativeRate, g.referralRate]),
    }),
  });
  body.append(
    groups.length === 0
      ? el('p', { class: 'empty' }, 'The card reports no group metrics.')
      : table(
          [
            { label: 'Attribute', text: true, cell: (g) => g.attribute },
            { label: 'Group', text: true, cell: (g) => g.group },
            { label: 'Crossings', cell: (g) => count(g.count) },
            { label: 'Positives', cell: (g) => count(g.positives) },
            { label: 'Referral rate', cell: (g) => percent(g.referralRate) },
            { label: 'Hit rate', cell: (g) => percent(g.precision) },
            { label: 'Recall', cell: (g) => percent(g.recall) },
            { label: 'FPR', cell: (g) => percent(g.falsePositiveRate) },
            { label: 'FNR', cell: (g) => percent(g.falseNegativeRate) },
          ],
          groups,
        ),
  );
  body.dataset.state = 'ready';
  body.dataset.points = String(groups.length);
  return card;
}

async function draw() {
  const content = document.getElementById('content');
  showStatus('Loading…');
  try {
    const model = await getJson('/dashboard/api/model');
    const card = model.card;
    const policy = model.policy;
    clear(content);
    content.append(
      el(
        'div',
        { class: 'tiles' },
        tile('version', 'Version in production', model.version, `${card.modelDetails.name}`),
        tile('loaded-at', 'Loaded', model.loadedAt.slice(0, 10), `${model.loadedAt.slice(11, 16)} UTC, by this service process`),
        tile('threshold', 'Threshold', decimal(policy.threshold, 4), thresholdNote(policy, model.card)),
        tile('auc', 'AUC-ROC (holdout)', decimal(card.metrics.holdout.aucRoc), `AUC-PR ${decimal(card.metrics.holdout.aucPr)}`),
        tile('random-rate', 'Random selection', percent(policy.randomReferralRate), 'of scored crossings, on top of the model\u2019s referrals'),
      ),
      el(
        'div',
        { class: 'grid' },
        el(
          'section',
          { class: 'card', dataset: { card: 'model-details' } },
          el('h3', {}, 'Model details'),
          facts([
            ['Name', card.modelDetails.name],
            ['Version', card.modelDetails.version],
            ['Created', dateTime(card.modelDetails.createdAt)],
            ['Architecture', card.modelDetails.architecture],
            ['Framework', card.modelDetails.framework],
            ['Owners', card.modelDetails.owners.join(', ')],
            ['Loaded at', dateTime(model.loadedAt)],
            ['Feature spec', `version ${card.featureSpec.version}, ${card.featureSpec.names.length} features, hash ${card.featureSpec.hash.slice(0, 16)}…`],
            ['ONNX file', `${card.onnx.file}, sha256 ${card.onnx.sha256.slice(0, 16)}…`],
          ]),
          el('h3', {}, 'Decision policy'),
          facts([
            ['Threshold', `${decimal(policy.threshold, 4)} (card), ${thresholdNote(policy, model.card)}`],
            ['Port budgets', policy.budgets.length === 0 ? 'none: the card\u2019s threshold applies at every port' : policy.budgets.map((b) => `${b.port}: ${percent(b.budget)}`).join(', ')],
            ['Random selection', `${percent(policy.randomReferralRate)} of scored crossings`],
          ]),
        ),
        el(
          'section',
          { class: 'card', dataset: { card: 'intended-use' } },
          el('h3', {}, 'Intended use'),
          el('p', {}, card.intendedUse.primaryUse),
          el('h3', {}, 'Intended users'),
          list(card.intendedUse.primaryUsers),
          el('h3', {}, 'Out of scope'),
          list(card.intendedUse.outOfScope),
          el('h3', {}, 'Training data'),
          facts([
            ['Source', card.trainingData.source],
            ['Period', card.trainingData.from ? `${card.trainingData.from} to ${card.trainingData.to ?? '…'}` : undefined],
            ['Rows', count(card.trainingData.rows)],
            ['Positives', count(card.trainingData.positives)],
            ['Weighting', card.trainingData.weighting],
            ['Evaluation', `${card.evaluationData.description} (${count(card.evaluationData.rows)} rows)`],
          ]),
        ),
        operatingPointsCard(model, card.metrics.holdout, 'holdout-metrics', 'Holdout metrics at referral rates'),
        card.metrics.baseline ? operatingPointsCard(model, card.metrics.baseline, 'baseline-metrics', 'Baseline (logistic regression) on the same holdout') : null,
        reliabilityCard(model),
        groupsCard(model),
        el(
          'section',
          { class: 'card', dataset: { card: 'considerations' } },
          el('h3', {}, 'Ethical considerations'),
          list(card.ethicalConsiderations),
          el('h3', {}, 'Caveats'),
          list(card.caveats),
          el('h3', {}, 'Factors'),
          facts([
            ['Relevant', card.factors.relevantFactors.join(', ')],
            ['Evaluated', card.factors.evaluationFactors.join(', ')],
          ]),
        ),
      ),
    );
    clearStatus();
  } catch (error) {
    showError(error);
  }
}

startPage(draw);
