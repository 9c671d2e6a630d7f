import { z } from 'zod';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';

/**
 * Golden parity rows (onnxruntime's test practice: stored inputs with expected outputs): a few
 * holdout feature rows and the probabilities the exported graph gave them, written beside the
 * model as `golden.json`. A test reloads the model through the service's loader and re-scores
 * them, so a change to the loader, the scorer, onnxruntime or the file itself that moves a score
 * is caught.
 */

export const GOLDEN_FILE = 'golden.json';
export const GOLDEN_TOLERANCE = 1e-5;

export const goldenRowsSchema = z.object({
  modelVersion: z.string(),
  featureSpecHash: z.string(),
  tolerance: z.number().positive(),
  featureNames: z.array(z.string()),
  rows: z.array(z.object({ features: z.array(z.number()).length(FEATURE_COUNT), probability: z.number().min(0).max(1) })),
});

export type GoldenRows = z.infer<typeof goldenRowsSchema>;

/**
 * Picks up to `count` rows: the highest and lowest scores, the first positive, and rows spread
 * evenly through the list, so the file exercises the whole range of the calibration.
 */
export function pickGoldenRows(
  features: Float32Array,
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  modelVersion: string,
  count = 8,
): GoldenRows {
  const n = probabilities.length;
  const chosen = new Set<number>();
  let highest = 0;
  let lowest = 0;
  for (let i = 1; i < n; i++) {
    if (probabilities[i]! > probabilities[highest]!) highest = i;
    if (probabilities[i]! < probabilities[lowest]!) lowest = i;
  }
  chosen.add(highest).add(lowest);
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) {
      chosen.add(i);
      break;
    }
  }
  for (let k = 0; chosen.size < Math.min(count, n); k++) chosen.add(Math.floor(((k + 0.5) * n) / count) % n);
  return {
    modelVersion,
    featureSpecHash: FEATURE_SPEC_HASH,
    tolerance: GOLDEN_TOLERANCE,
    featureNames: [...FEATURE_NAMES],
    rows: [...chosen]
      .sort((a, b) => a - b)
      .map((i) => ({
        features: Array.from(features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)),
        probability: probabilities[i]!,
      })),
  };
}
