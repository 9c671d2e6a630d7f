import { FEATURE_COUNT, FEATURE_NAMES, REASON_GROUPS } from '../features/feature-spec.ts';
import type { ModelCard } from '../models/model-card.ts';
import { occlusionBaseline } from './occlusion-baseline.ts';
import { referenceDistribution } from '../metrics/drift.ts';

/**
 * The card's `reference` section: what drift monitoring compares live traffic with, and the
 * occlusion baseline reasons are measured against. Bins are weighted quantile edges of the
 * reference rows (metrics/drift.ts `referenceDistribution`, 10 bins; fewer for a feature with few
 * distinct values), fixed here once and for all for this model.
 *
 * Every part is weighted by the row weight column, as the occlusion baseline is: live drift
 * histograms count every scored crossing, and on recorded data a random selection's row stands for
 * 1/selection probability of them. With all weights 1 (simulated data) they are the unweighted ones.
 */
export const REFERENCE_BINS = 10;

/**
 * `weights` is indexed by table row, like `features`; `scores` is in `rows` order (the score of
 * row `rows[i]` is `scores[i]`).
 */
export function buildReference(
  features: Float32Array,
  rows: ArrayLike<number>,
  weights: ArrayLike<number>,
  scores: ArrayLike<number>,
): ModelCard['reference'] {
  if (scores.length !== rows.length) throw new RangeError(`${scores.length} scores for ${rows.length} reference rows`);
  const rowWeights = Float64Array.from({ length: rows.length }, (_, r) => weights[rows[r]!]!);
  const column = new Float64Array(rows.length);
  const references = FEATURE_NAMES.map((name, j) => {
    for (let r = 0; r < rows.length; r++) column[r] = features[rows[r]! * FEATURE_COUNT + j]!;
    return { name, ...referenceDistribution(column, REFERENCE_BINS, rowWeights) };
  });
  return {
    features: references,
    score: referenceDistribution(scores, REFERENCE_BINS, rowWeights),
    baseline: occlusionBaseline(features, FEATURE_COUNT, rows, weights, REASON_GROUPS),
  };
}
