import type { AuditResult } from './audit.ts';
import { FAIRNESS_METRIC_ABBREVIATIONS, FAIRNESS_METRICS, type Disparity, type FairnessTable } from './fairness.ts';
import type { Interval } from './intervals.ts';
import { postStratifyByRecommendation } from './label-coverage.ts';

/** The audit report as aligned text tables for a terminal. */

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const percent = (v: number | null): string => (v === null ? '-' : (v * 100).toFixed(2));
const ratio = (v: number | null): string => (v === null ? '-' : v.toFixed(3));
const interval = (i: Interval | null): string => (i === null ? '[-]' : `[${i.lower.toFixed(3)}, ${i.upper.toFixed(3)}]`);
const count = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

const MARKERS: Readonly<Record<Disparity['status'], string>> = {
  reference: ' ',
  within_band: ' ',
  outside_band: '*',
  inconclusive: '?',
  too_small: '~',
  undefined: ' ',
};

function formatTable(table: FairnessTable): string {
  const title = table.attributes.join(' × ');
  const out: string[] = [];
  out.push(`== ${title} (reference: ${table.reference.label}, ${table.reference.chosenBy === 'given' ? 'given' : 'the largest group'}) ==`);
  out.push('');
  out.push(
    'Group metrics (rates in %; precision and FDR over labelled referrals, FPR, FNR and FOR over the labelled sample; ' +
      'TP FP FN TN: weights post-stratified to the group\u2019s referrals and releases, as the rates use them)',
  );
  out.push(
    alignedTable(
      ['group', 'decisions', 'referred', 'labelled', 'TP', 'FP', 'FN', 'TN', ...FAIRNESS_METRICS.map((m) => FAIRNESS_METRIC_ABBREVIATIONS[m])],
      table.groups.map((g) => {
        const w = postStratifyByRecommendation(g.counts).labelledWeights;
        return [
          g.status === 'too_small' ? `${g.label} ~` : g.label,
          count(g.decisions),
          count(g.referrals),
          count(g.labelled),
          count(w.truePositives),
          count(w.falsePositives),
          count(w.falseNegatives),
          count(w.trueNegatives),
          ...FAIRNESS_METRICS.map((m) => percent(g.metrics[m].value)),
        ];
      }),
    ),
  );
  out.push('');
  out.push(`Disparities (group / ${table.reference.label})`);
  out.push(
    alignedTable(
      ['group', ...FAIRNESS_METRICS.map((m) => ` ${FAIRNESS_METRIC_ABBREVIATIONS[m]}`)],
      table.groups.map((g) => [
        g.label,
        ...FAIRNESS_METRICS.map((m) => {
          const d = g.disparities[m];
          return `${ratio(d.ratio)}${MARKERS[d.status]}`;
        }),
      ]),
    ),
  );
  const band = `[${table.band.lower}, ${table.band.upper}]`;
  out.push(
    `  * outside the band ${band} with its whole ${Math.round(table.confidence * 100)}% interval (flagged); ` +
      `? outside by its point estimate only (inconclusive); ~ too small (< ${table.minimumCount} rows)`,
  );
  const listed = (status: Disparity['status']): string[][] =>
    table.groups.flatMap((g) =>
      FAIRNESS_METRICS.filter((m) => g.disparities[m].status === status).map((m) => [
        `  ${g.label}`,
        FAIRNESS_METRIC_ABBREVIATIONS[m],
        ratio(g.disparities[m].ratio),
        interval(g.disparities[m].interval),
      ]),
    );
  const flagged = listed('outside_band');
  const inconclusive = listed('inconclusive');
  const intervalHeader = ['', 'metric', 'ratio', `${Math.round(table.confidence * 100)}% interval`];
  out.push('');
  out.push(flagged.length === 0 ? 'Flagged: none' : `Flagged (${flagged.length}):\n${alignedTable(intervalHeader, flagged)}`);
  if (inconclusive.length > 0) out.push(`Inconclusive (${inconclusive.length}):\n${alignedTable(intervalHeader, inconclusive)}`);
  const tooSmall = table.groups.filter((g) => g.status === 'too_small').map((g) => g.label);
  if (tooSmall.length > 0) out.push(`Too small to judge (< ${table.minimumCount} decisions): ${tooSmall.join(', ')}`);

  const test = table.outcomeTest;
  out.push('');
  if (test.chiSquare === null || test.pValue === null) {
    out.push(`Hit-rate (outcome) test: not computed (${test.groups.length} group(s) with inspected referrals; pooled hit rate ${percent(test.pooledHitRate)} %)`);
  } else {
    const rough = test.smallestExpectedCount !== null && test.smallestExpectedCount < 5 ? ` (smallest expected count ${test.smallestExpectedCount.toFixed(1)} < 5: approximate)` : '';
    out.push(
      `Hit-rate (outcome) test: precision across ${test.groups.length} groups, pooled ${percent(test.pooledHitRate)} %; ` +
        `chi-square ${test.chiSquare.toFixed(2)}, df ${test.degreesOfFreedom}, p = ${test.pValue < 1e-4 ? test.pValue.toExponential(2) : test.pValue.toFixed(4)}${rough}`,
    );
  }
  return out.join('\n');
}

export function formatAuditText(result: AuditResult): string {
  const out: string[] = [];
  out.push(`Fairness audit of ${result.input}`);
  out.push(
    `${result.rows} rows, ${result.labelled} labelled (${result.label}), ${result.referrals} referrals (${result.prediction})` +
      (result.weight === null ? '' : `, weights from ${result.weight}`),
  );
  const first = result.tables[0];
  if (first !== undefined) {
    out.push(`${Math.round(first.confidence * 100)}% intervals: Wilson for rates (FPR and FNR: the box of the referred share, precision and FOR), percentile bootstrap (${first.replicates} replicates, seed ${result.seed}) for disparities`);
  }
  for (const table of result.tables) {
    out.push('');
    out.push(formatTable(table));
  }
  out.push('');
  out.push(`Flag rule: ${result.flagRule}`);
  out.push(`Caveat: ${first?.outcomeTest.caveat ?? ''}`);
  return `${out.join('\n')}\n`;
}
