// Decisions: GET /v1/decisions/:id (oversight): one decision as recorded, its reasons, and every
// outcome reported for it.

import { ApiError, getJson } from '../lib/api.js';
import { chartCard } from '../lib/card.js';
import { csvName } from '../lib/csv.js';
import { count, dateTime, decimal, percent } from '../lib/format.js';
import { badge, clear, clearStatus, el, showError, showStatus, table } from '../lib/ui.js';
import { navigate, param, startPage } from '../lib/view.js';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

function lookupForm() {
  const input = el('input', { id: 'decision-id', name: 'id', value: param('id'), placeholder: '0193…-…', spellcheck: 'false', autocomplete: 'off', size: 40, required: true });
  return el(
    'form',
    {
      class: 'decision-lookup',
      onsubmit: (event) => {
        event.preventDefault();
        navigate({ id: input.value.trim() });
      },
    },
    el('label', { for: 'decision-id' }, 'Decision id', input),
    el('button', { type: 'submit' }, 'Find'),
  );
}

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function outcomeText(o) {
  if (!o.referred) return 'not referred';
  const why = { model: 'on the model\u2019s recommendation', random: 'by random selection', officer: 'on the officer\u2019s own judgement' }[o.reason] ?? '';
  const result = o.result === null ? 'no result yet' : o.result === 'seizure' ? 'seizure' : 'nothing found';
  return `referred ${why}: ${result}`;
}

function render(d) {
  const current = d.outcomes.find((o) => o.current);
  const { card: reasonsCard, body } = chartCard({
    key: 'reasons',
    title: 'Reasons',
    description: 'What moved the score most: the score minus the score with that group of features at its typical (training median) value.',
    csv: () => ({
      filename: csvName('decision', d.decisionId),
      header: ['feature', 'value', 'contribution', 'sentence'],
      rows: d.reasons.map((r) => [r.feature, r.value, r.contribution, r.sentence]),
    }),
  });
  body.append(
    d.reasons.length === 0
      ? el('p', { class: 'empty' }, 'No reasons recorded.')
      : el(
          'ol',
          { class: 'reasons' },
          d.reasons.map((r) => el('li', {}, `${r.sentence} `, el('span', { class: 'ci' }, `(${r.feature} = ${Number.isInteger(r.value) ? count(r.value) : decimal(r.value, 2)}; ${r.contribution >= 0 ? '+' : ''}${decimal(r.contribution, 4)} to the score)`))),
        ),
  );
  body.dataset.state = 'ready';
  body.dataset.points = String(d.reasons.length);

  return el(
    'div',
    { class: 'grid', dataset: { decision: d.decisionId } },
    el(
      'section',
      { class: 'card', dataset: { card: 'decision' } },
      el('h3', {}, 'Decision'),
      facts([
        ['Id', d.decisionId],
        ['Crossing', `${dateTime(d.crossing.at)} at port ${d.crossing.port}, ${d.crossing.lane} lane`],
        ['Score', `${decimal(d.score, 4)} (${percent(d.score)})`],
        ['Threshold', `${decimal(d.threshold, 4)} (${d.thresholdSource === 'port_budget' ? 'the port\u2019s referral budget' : 'the model card'})`],
        ['Recommendation', [badge(d.recommendation === 'refer' ? 'flag' : 'within', d.recommendation), d.selection === 'random' ? ' by random selection' : d.selection === 'model' ? ' by the model' : '']],
        ['Model alone', d.modelRecommendation],
        ['Model version', d.model.version],
        ['Officer', d.officerId],
        ['Decided at', dateTime(d.decidedAt)],
      ]),
      el('h3', {}, 'Officer action and outcome'),
      current ? facts([['Now', outcomeText(current)], ['Recorded', dateTime(current.recordedAt)], ['Items', current.items.map((i) => `${i.category} ${i.quantity} ${i.unit}`).join(', ') || '–']]) : el('p', {}, 'No outcome recorded yet.'),
    ),
    reasonsCard,
    d.outcomes.length > 1
      ? el(
          'section',
          { class: 'card', dataset: { card: 'outcome-history' } },
          el('h3', {}, 'Outcome history (corrections)'),
          table(
            [
              { label: 'Recorded', text: true, cell: (o) => dateTime(o.recordedAt) },
              { label: 'Outcome', text: true, cell: (o) => outcomeText(o) },
              { label: 'Officer', text: true, cell: (o) => o.officerId },
              { label: 'In force', text: true, cell: (o) => (o.current ? 'yes' : 'superseded') },
            ],
            d.outcomes,
          ),
        )
      : null,
    d.audit
      ? el(
          'section',
          { class: 'card', dataset: { card: 'audit' } },
          el('h3', {}, 'Occupants (audit attributes, oversight only)'),
          table(
            [
              { label: 'Role', text: true, cell: (a) => a.role },
              { label: 'Sex', text: true, cell: (a) => a.sex ?? 'not recorded' },
              { label: 'Birth year', cell: (a) => (a.birthYear === undefined ? 'not recorded' : String(a.birthYear)) },
              { label: 'Citizenship', text: true, cell: (a) => a.citizenship ?? 'not recorded' },
            ],
            d.audit,
          ),
        )
      : null,
  );
}

async function draw() {
  const content = document.getElementById('content');
  clear(content);
  content.append(lookupForm());
  const id = param('id');
  if (!id) {
    content.append(el('p', { class: 'lede' }, 'Enter the id of a decision, as /v1/score returned it or as the decision export lists it.'));
    clearStatus();
    return;
  }
  if (!ID.test(id)) {
    showError(new Error(`"${id}" is not a decision id: they look like 0193a5b2-7c1d-7e4f-8a9b-0c1d2e3f4a5b.`));
    return;
  }
  showStatus('Loading…');
  try {
    const decision = await getJson(`/v1/decisions/${encodeURIComponent(id)}`);
    content.append(render(decision));
    clearStatus();
  } catch (error) {
    showError(error instanceof ApiError && error.status === 404 ? new Error(`No decision ${id}.`) : error);
  }
}

startPage(draw);
