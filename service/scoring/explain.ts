import { FEATURE_COUNT, FEATURE_INDEX, featureValues, type ReasonGroup } from '../../features/feature-spec.ts';
import type { Recommendation } from './decide.ts';

/**
 * Reasons by occlusion (Zeiler & Fergus, 2014, applied to tabular groups): a group's
 * contribution is the model's score minus its score with that group's features replaced by the
 * card's baseline (`reference.baseline`: training medians; the most common lane; the circular
 * median hour and weekday: training/occlusion-baseline.ts):
 *
 *     contribution(g) = f(x) - f(x with x_g := baseline_g)
 *
 * It is faithful to the model by construction (it is what the model does when the evidence is
 * removed), needs no surrogate, and costs one batched inference of 1 + G rows. Features that
 * only mean something together (REASON_GROUPS: value + missing flag, one-hot lane, cyclic
 * hour) are occluded together, and with values a crossing can take, so no row is a combination
 * the model never saw. (Cards written before the group baselines took per-feature medians for the
 * lane and the cyclic pairs too: all lane flags 0, a point inside the clock.)
 */
export interface Reason {
  /** The reason group: a feature name, or a group such as `lane` or `registration`. */
  readonly feature: string;
  /** The value of the group's primary feature in this crossing. */
  readonly value: number;
  /** Score minus the score with this group at its baseline; positive raises the score. */
  readonly contribution: number;
  /** The spec's officer-readable sentence for this crossing. */
  readonly sentence: string;
}

export const REASON_COUNT = 3;

/**
 * Row 0 is the crossing; row 1 + g is the crossing with group g at the baseline.
 * Returned as one [1 + G, D] buffer for a single onnxruntime run.
 */
export function occlusionRows(features: Float32Array, baseline: readonly number[], groups: readonly ReasonGroup[]): Float32Array {
  if (features.length !== FEATURE_COUNT) throw new RangeError(`features has ${features.length} values, the spec has ${FEATURE_COUNT}`);
  if (baseline.length !== FEATURE_COUNT) throw new RangeError(`baseline has ${baseline.length} values, the spec has ${FEATURE_COUNT}`);
  const rows = new Float32Array((1 + groups.length) * FEATURE_COUNT);
  for (let r = 0; r <= groups.length; r++) rows.set(features, r * FEATURE_COUNT);
  groups.forEach((group, g) => {
    const offset = (1 + g) * FEATURE_COUNT;
    for (const name of group.features) {
      const column = FEATURE_INDEX[name];
      rows[offset + column] = baseline[column]!;
    }
  });
  return rows;
}

/**
 * The reasons for the model's side of the threshold: for a model referral, the groups that raise
 * the score most; for a release, those that lower it most. Groups pushing the other way, or not
 * at all, are not reasons for this recommendation, so fewer than `count` may be returned.
 *
 * `scores[0]` is the crossing's score, `scores[1 + g]` the score with group g occluded.
 */
export function reasonsFromScores(
  features: Float32Array,
  scores: ArrayLike<number>,
  groups: readonly ReasonGroup[],
  modelRecommendation: Recommendation,
  count: number = REASON_COUNT,
): Reason[] {
  if (scores.length !== 1 + groups.length) throw new RangeError(`expected ${1 + groups.length} scores, got ${scores.length}`);
  const score = scores[0]!;
  const sign = modelRecommendation === 'refer' ? 1 : -1;
  const ranked = groups
    .map((group, g) => ({ group, contribution: score - scores[1 + g]! }))
    .filter((c) => sign * c.contribution > 0)
    .sort((a, b) => sign * (b.contribution - a.contribution));
  const values = featureValues(features);
  return ranked.slice(0, count).map(({ group, contribution }) => ({
    feature: group.name,
    value: values[group.primary],
    contribution,
    sentence: group.sentence(values),
  }));
}
