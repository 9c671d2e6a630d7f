import type { Evaluation, GroupEvaluation, ModelCard } from '../models/model-card.ts';
import { SHORTFALL_TOLERANCE } from './referral-shortfall.ts';

/**
 * `card.md`: the model card for people, rendered from `card.json` (the same content, nothing
 * added), in the sections of Mitchell et al., "Model Cards for Model Reporting" (FAT* 2019).
 */
export function renderModelCardMarkdown(card: ModelCard): string {
  const d = card.modelDetails;
  const lines: string[] = [];
  const push = (...more: string[]): void => {
    lines.push(...more);
  };

  push(`# Model card: ${d.name} (${d.version})`, '');
  push('## Model details', '');
  push(`- Version: \`${d.version}\``);
  push(`- Created: ${d.createdAt}`);
  push(`- Architecture: ${d.architecture}`);
  push(`- Framework: ${d.framework}`);
  if (d.owners.length > 0) push(`- Owners: ${d.owners.join(', ')}`);
  push(`- ONNX file: \`${card.onnx.file}\`, sha256 \`${card.onnx.sha256}\``);
  push(`- Input \`${card.onnx.inputName}\` float32 [N, ${card.featureSpec.names.length}], output \`${card.onnx.outputName}\``);
  push(`- Feature spec: version ${card.featureSpec.version}, hash \`${card.featureSpec.hash}\``, '');

  push('## Intended use', '');
  push(card.intendedUse.primaryUse, '');
  push(`Primary users: ${card.intendedUse.primaryUsers.join('; ')}.`, '');
  push('Out of scope:', '');
  for (const item of card.intendedUse.outOfScope) push(`- ${item}`);
  push('');

  push('## Factors', '');
  push('Relevant factors:', '');
  for (const item of card.factors.relevantFactors) push(`- ${item}`);
  push('', 'Evaluation factors (audit attributes, never model inputs):', '');
  for (const item of card.factors.evaluationFactors) push(`- ${item}`);
  push('');

  push('## Metrics', '');
  push(decisionSentence(card.decision), '');
  const baseline = card.metrics.baseline;
  push('| metric | model | ' + (baseline ? 'logistic baseline |' : ''));
  push('|---|---|' + (baseline ? '---|' : ''));
  const row = (name: string, value: (e: Evaluation) => string): void => {
    push(`| ${name} | ${value(card.metrics.holdout)} | ${baseline ? `${value(baseline)} |` : ''}`);
  };
  row('rows', (e) => String(e.rows));
  row('positives (weighted)', (e) => fmt(e.positives, 1));
  row('AUC-ROC', (e) => fmt(e.aucRoc, 4));
  row('AUC-PR', (e) => fmt(e.aucPr, 4));
  row('expected calibration error', (e) => fmt(e.expectedCalibrationError, 4));
  for (const at of card.metrics.holdout.atReferralRates) {
    const find = (e: Evaluation) => e.atReferralRates.find((m) => m.referralRate === at.referralRate);
    // Where ties make a model refer noticeably less than the row's rate, say at what rate it was measured:
    // the model and the baseline may otherwise be compared at different referral rates under one label.
    row(`precision at ${pct(at.referralRate)} referred`, (e) => fmtOrDash(find(e)?.precision) + measuredAt(find(e)));
    row(`recall at ${pct(at.referralRate)} referred`, (e) => fmtOrDash(find(e)?.recall) + measuredAt(find(e)));
  }
  push('');
  push('Thresholds at each referral rate (model):', '');
  push(
    '| referral rate | achieved | threshold | referred | precision | recall |',
    '|---|---|---|---|---|---|',
  );
  for (const at of card.metrics.holdout.atReferralRates) {
    const achieved = at.achievedReferralRate === undefined ? '–' : pct(at.achievedReferralRate);
    push(`| ${pct(at.referralRate)} | ${achieved} | ${fmt(at.threshold, 6)} | ${at.referred} | ${fmtOrDash(at.precision)} | ${fmtOrDash(at.recall)} |`);
  }
  push(
    '',
    'Tied scores are never split, so a threshold may refer less than its rate; where the top tied scores alone exceed it, ' +
      'nothing is referred and precision and recall are shown as –.',
  );
  push('', 'Reliability (holdout; predicted probability against observed seizure rate):', '');
  push('| score bin | rows | mean predicted | observed rate |', '|---|---|---|---|');
  for (const bin of card.metrics.holdout.reliability) {
    push(`| [${fmt(bin.lower, 3)}, ${fmt(bin.upper, 3)}) | ${fmt(bin.count, 0)} | ${fmt(bin.meanPredicted, 4)} | ${fmt(bin.observedRate, 4)} |`);
  }
  push('');

  push('## Evaluation data', '');
  push(card.evaluationData.description, '');
  push(`- Rows: ${card.evaluationData.rows}`);
  if (card.evaluationData.from) push(`- From: ${card.evaluationData.from}`);
  if (card.evaluationData.to) push(`- To: ${card.evaluationData.to}`);
  push('');

  push('## Training data', '');
  push(`- Source: ${card.trainingData.source}`);
  if (card.trainingData.from) push(`- From: ${card.trainingData.from}`);
  if (card.trainingData.to) push(`- To: ${card.trainingData.to}`);
  push(`- Rows: ${card.trainingData.rows}, positives (weighted): ${fmt(card.trainingData.positives, 1)}`);
  push(`- Weighting: ${card.trainingData.weighting}`, '');
  push('Training configuration:', '', '```json', JSON.stringify(card.training, null, 2), '```', '');

  push('## Quantitative analyses', '');
  push(
    `Confusion-matrix metrics per audit group on the holdout at the threshold ${fmt(card.decision.threshold, 6)}. ` +
      'Counts are weighted rows; small groups give unstable rates: read them with their counts.',
    '',
  );
  push(
    '| attribute | group | rows | positives | referred | TP | FP | FN | TN | precision | recall | FPR | FNR | referral rate |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of card.quantitativeAnalyses.groups) push(groupRow(g));
  push('');

  push('## Ethical considerations', '');
  for (const item of card.ethicalConsiderations) push(`- ${item}`);
  push('');
  push('## Caveats and recommendations', '');
  for (const item of card.caveats) push(`- ${item}`);
  push('');
  push('## Reference distributions', '');
  push(
    `\`card.json\` holds, for drift monitoring, the training distribution of each of the ${card.reference.features.length} features ` +
      `and of the score in fixed bins (score: ${card.reference.score.proportions.length} bins), and the per-feature medians used as the ` +
      'occlusion baseline for reasons; each training row counts by its weight (a random selection for the crossings it stands for).',
    '',
  );
  return lines.join('\n');
}

/**
 * " (at 0.479 %)" when an operating point refers less than its rate by more than rounding to whole
 * rows (SHORTFALL_TOLERANCE) and more than nothing; '' otherwise (nothing referred already shows –).
 */
export function measuredAt(point: Evaluation['atReferralRates'][number] | undefined): string {
  const achieved = point?.achievedReferralRate;
  if (point === undefined || achieved === undefined || achieved === 0) return '';
  return achieved < point.referralRate * (1 - SHORTFALL_TOLERANCE) ? ` (at ${pct(achieved)})` : '';
}

/** The threshold with the rate it refers on the holdout; older cards record only the target. */
function decisionSentence(decision: ModelCard['decision']): string {
  const threshold = `Decision threshold: score >= ${fmt(decision.threshold, 6)}`;
  const target = pct(decision.targetReferralRate);
  const achieved = decision.achievedReferralRate;
  if (achieved === undefined) return `${threshold}, chosen so that at most ${target} of holdout crossings are referred.`;
  if (achieved === 0) {
    return `${threshold} (just above the top score): it refers no holdout crossing (target ${target}): the top tied scores alone hold more than ${target} of them.`;
  }
  return `${threshold}: it refers ${pct(achieved)} of holdout crossings (target ${target}).`;
}

function groupRow(g: GroupEvaluation): string {
  const cells = [
    g.attribute,
    g.group,
    fmt(g.count, 0),
    fmt(g.positives, 0),
    fmt(g.referred, 0),
    fmt(g.truePositives, 0),
    fmt(g.falsePositives, 0),
    fmt(g.falseNegatives, 0),
    fmt(g.trueNegatives, 0),
    fmtOrDash(g.precision),
    fmtOrDash(g.recall),
    fmtOrDash(g.falsePositiveRate),
    fmtOrDash(g.falseNegativeRate),
    g.referralRate === null ? '–' : pct(g.referralRate),
  ];
  return `| ${cells.join(' | ')} |`;
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  return digits === 0 && Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function fmtOrDash(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(4);
}

function pct(rate: number): string {
  return `${Number((rate * 100).toFixed(3))} %`;
}
