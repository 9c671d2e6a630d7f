/**
 * The referral decision for one scored crossing: pure, so every rule is tested directly.
 *
 * Two independent routes to a referral (DESIGN.md, selective labels):
 * - the model: score >= threshold (the card's threshold, or a port budget's, see budget-threshold.ts);
 * - random selection: with probability `randomReferralRate`, whatever the score. The draw is made
 *   for every scored crossing and never looks at the score, so the randomly selected crossings
 *   are a uniform sample of all scored crossings: their outcomes estimate prevalence, recall and
 *   false-negative rates without the model's selection bias.
 *
 * `selection` says which route sent the crossing: `random` whenever the draw fired (so the random
 * sample is complete, including crossings the model would have referred anyway), else `model`
 * when the model recommends referral, else `none`.
 */
export type Recommendation = 'refer' | 'release';
export type Selection = 'model' | 'random' | 'none';
export type ThresholdSource = 'model_card' | 'port_budget';

export interface DecisionRule {
  readonly score: number;
  readonly threshold: number;
  /** Uniform draw in [0, 1) from a cryptographic source (random-selection.ts). */
  readonly randomDraw: number;
  readonly randomReferralRate: number;
}

export interface ReferralDecision {
  readonly recommendation: Recommendation;
  readonly selection: Selection;
  /** What the model alone recommends: score >= threshold. */
  readonly modelRecommendation: Recommendation;
  readonly randomlySelected: boolean;
  /**
   * Probability that this crossing is recommended for referral under the policy, given its
   * score: 1 when the model refers it, else the random rate. An inspected crossing's
   * inverse-propensity weight is 1 / referralPropensity (Horvitz & Thompson, 1952).
   */
  readonly referralPropensity: number;
}

/** What the model alone recommends for a score against a threshold. */
export function modelRecommendationOf(score: number, threshold: number): Recommendation {
  return score >= threshold ? 'refer' : 'release';
}

export function decide(rule: DecisionRule): ReferralDecision {
  if (!(rule.randomDraw >= 0 && rule.randomDraw < 1)) throw new RangeError(`randomDraw must be in [0, 1), got ${rule.randomDraw}`);
  if (!(rule.randomReferralRate >= 0 && rule.randomReferralRate <= 1)) {
    throw new RangeError(`randomReferralRate must be in [0, 1], got ${rule.randomReferralRate}`);
  }
  const modelRefers = modelRecommendationOf(rule.score, rule.threshold) === 'refer';
  const randomlySelected = rule.randomDraw < rule.randomReferralRate;
  return {
    recommendation: modelRefers || randomlySelected ? 'refer' : 'release',
    selection: randomlySelected ? 'random' : modelRefers ? 'model' : 'none',
    modelRecommendation: modelRefers ? 'refer' : 'release',
    randomlySelected,
    referralPropensity: modelRefers ? 1 : rule.randomReferralRate,
  };
}
