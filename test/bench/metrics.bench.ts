/**
 * The metric functions at the sizes the service and the trainer use them. Prints a table.
 *
 *   npx tsx test/bench/metrics.bench.ts
 */
import { createRandom } from '../../lib/random.ts';
import { reliabilitySums, reliabilityTable, expectedCalibrationError } from '../../metrics/calibration.ts';
import { confusionCounts } from '../../metrics/confusion.ts';
import type { DecisionCounts } from '../../metrics/decision-counts.ts';
import { compareWithReference, histogramCounts, rankByDrift, referenceDistribution } from '../../metrics/drift.ts';
import { fairnessReport, type GroupCounts } from '../../metrics/fairness.ts';
import { aucRocFromRanked, averagePrecisionFromRanked, rankScores } from '../../metrics/ranking.ts';
import { operatingPointAtReferralRate } from '../../metrics/referral-rate.ts';

const random = createRandom(1);
const results: { what: string; size: string; milliseconds: number }[] = [];
const time = <T>(what: string, size: string, work: () => T): T => {
  const start = performance.now();
  const out = work();
  results.push({ what, size, milliseconds: Math.round(performance.now() - start) });
  return out;
};

const n = 1_000_000;
const labels = new Uint8Array(n);
const scores = new Float64Array(n);
for (let i = 0; i < n; i++) {
  labels[i] = random.chance(0.02) ? 1 : 0;
  scores[i] = Math.min(1, Math.max(0, random.next() * 0.5 + labels[i]! * 0.3 * random.next()));
}
const ranked = time('rankScores (sort + group ties)', '1M rows', () => rankScores(labels, scores));
time('AUC-ROC + average precision', '1M rows (ranked)', () => [aucRocFromRanked(ranked), averagePrecisionFromRanked(ranked)]);
time('operating points at 0.5/1/2/5 %', '1M rows (ranked)', () => [0.005, 0.01, 0.02, 0.05].map((r) => operatingPointAtReferralRate(ranked, r)));
time('reliability table + ECE', '1M rows', () => expectedCalibrationError(reliabilityTable(reliabilitySums(labels, scores))));
time('confusionCounts', '1M rows', () => confusionCounts(labels, Array.from(scores, (s) => (s >= 0.5 ? 1 : 0))));

const features = 36;
const sample = Array.from({ length: features }, () => Float64Array.from({ length: 100_000 }, () => random.normal()));
const references = time('reference distributions (quantile edges)', `${features} × 100k sample`, () => sample.map((s) => referenceDistribution(s)));
const live = Float64Array.from({ length: 100_000 }, () => random.normal() + 0.1);
time('histogram + PSI + JS, ranked', `${features} × 100k live values`, () =>
  rankByDrift(references.map((r, i) => compareWithReference(`f${i}`, r, histogramCounts(live, r.edges)))),
);

// 10M decisions in 2 × 8 × 20 = 320 intersection groups, from counts (as the service keeps them).
const groups: GroupCounts[] = [];
for (const sex of ['F', 'M']) {
  for (let a = 0; a < 8; a++) {
    for (let c = 0; c < 20; c++) {
      const size = Math.round((10_000_000 / 320) * (0.2 + 1.6 * random.next()));
      const rows = { truePositives: Math.round(size * 0.004), falsePositives: Math.round(size * 0.006), falseNegatives: Math.round(size * 0.0002), trueNegatives: Math.round(size * 0.0198) };
      const w = 50;
      const counts: DecisionCounts = {
        labelledRows: rows,
        labelledWeights: { ...rows, falseNegatives: rows.falseNegatives * w, trueNegatives: rows.trueNegatives * w },
        labelledWeightsSquared: { ...rows, falseNegatives: rows.falseNegatives * w * w, trueNegatives: rows.trueNegatives * w * w },
        unlabelledReferred: Math.round(size * 0.0005),
        unlabelledReleased: size - rows.truePositives - rows.falsePositives - rows.falseNegatives - rows.trueNegatives - Math.round(size * 0.0005),
      };
      groups.push({ key: [sex, `age${a}`, `c${c}`], counts });
    }
  }
}
for (const replicates of [200, 1000]) {
  time(`fairnessReport, 3 attributes + intersection, ${replicates} replicates`, '10M decisions in 320 groups', () =>
    fairnessReport(groups, { attributes: ['sex', 'ageBand', 'citizenship'], random: random.fork(), replicates }),
  );
}

console.table(results);
