import type { ConfusionCounts } from './confusion.ts';
import type { DecisionCounts } from './decision-counts.ts';

/**
 * Adjusting inverse-propensity weights for outcomes not (yet) recorded.
 *
 * The design weight w = 1 / P(selected for inspection) makes the labelled rows stand for every
 * decision only if every selected decision gets its outcome recorded. When some do not (label
 * coverage below 1), the Hájek ratios of selective-labels.ts treat the missing ones as missing at
 * random within their cell, but they still let each stratum weigh what its recorded rows weigh:
 * with 90 % of the model's referrals recorded and 100 % of the random selections, the referred
 * stratum counts for 10 % too little in prevalence, recall and false-positive rate.
 *
 * Post-stratification (Holt & Smith, JRSS A 142, 1979; Särndal, Swensson & Wretman 1992, §7.6)
 * restores it: within each stratum of the model's recommendation, whose size is known from the
 * decisions themselves, the labelled weights are scaled so they sum to the stratum's size,
 *
 *   w'_i = w_i · N_s / Σ_{labelled j in s} w_j,   N_s = decisions in stratum s (labelled or not)
 *
 * which is the Horvitz–Thompson weight with P(outcome recorded | selected, stratum) estimated by
 * the stratum's recorded share. Ratios within one stratum (precision, false-omission rate) are
 * unchanged; those across strata (prevalence, recall, false-negative and false-positive rates)
 * weigh each stratum by its true size. Squared weights scale by the square, so variances follow.
 * A stratum without labelled rows is left as it is (positivity fails there, see selective-labels.ts).
 */
export function postStratifyByRecommendation(counts: DecisionCounts): DecisionCounts {
  const r = counts.labelledRows;
  const w = counts.labelledWeights;
  const referred = postStratificationFactor(r.truePositives + r.falsePositives + counts.unlabelledReferred, w.truePositives + w.falsePositives);
  const released = postStratificationFactor(r.falseNegatives + r.trueNegatives + counts.unlabelledReleased, w.falseNegatives + w.trueNegatives);
  const scale = (c: ConfusionCounts, power: number): ConfusionCounts => ({
    truePositives: c.truePositives * referred ** power,
    falsePositives: c.falsePositives * referred ** power,
    falseNegatives: c.falseNegatives * released ** power,
    trueNegatives: c.trueNegatives * released ** power,
  });
  return {
    ...counts,
    labelledWeights: scale(counts.labelledWeights, 1),
    labelledWeightsSquared: scale(counts.labelledWeightsSquared, 2),
  };
}

/**
 * The factor N_s / Σ_{labelled j in s} w_j of one stratum (above); 1 when the stratum has no
 * labelled weight. Exported for the fairness bootstrap, which applies it to plain numbers in its
 * inner loop rather than building a DecisionCounts per replicate.
 */
export function postStratificationFactor(stratumSize: number, labelledWeight: number): number {
  return labelledWeight > 0 ? stratumSize / labelledWeight : 1;
}
