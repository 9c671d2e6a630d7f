import { FEATURE_COUNT, FEATURE_NAMES } from '../features/feature-spec.ts';
import { referenceDistribution } from '../metrics/drift.ts';
import type { ModelCard } from '../models/model-card.ts';
import { weightedMedians } from './occlusion-baseline.ts';

/**
 * The card's `reference` section: what drift monitoring compares live traffic with, and the
 * occlusion baseline reasons are measured against. Bins are quantile edges of the reference
 * rows (metrics/drift.ts `referenceDistribution`, 10 bins; fewer for a feature with few distinct
 * values), fixed here once and for all for this model.
 */
export const REFERENCE_BINS = 10;

export function buildReference(
  features: Float32Array,
  rows: ArrayLike<number>,
  weights: ArrayLike<number>,
  scores: ArrayLike<number>,
): ModelCard['reference'] {
  const column = new Float64Array(rows.length);
  const references = FEATURE_NAMES.map((name, j) => {
    for (let r = 0; r < rows.length; r++) column[r] = features[rows[r]! * FEATURE_COUNT + j]!;
    return { name, ...referenceDistribution(column, REFERENCE_BINS) };
  });
  return {
    features: references,
    score: referenceDistribution(scores, REFERENCE_BINS),
    baseline: weightedMedians(features, FEATURE_COUNT, rows, weights),
  };
}
