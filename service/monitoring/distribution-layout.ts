import { binIndex } from '../../metrics/drift.ts';
import { calibrationBin, DEFAULT_CALIBRATION_BINS } from '../../metrics/calibration.ts';
import type { ModelCard } from '../../models/model-card.ts';
import { usableLabel, type CountedDecision, type CountedOutcome } from './decision-cells.ts';

/**
 * The distributions kept per hour × port × model, packed in one Float64Array (a BLOB column):
 *
 *   [0, 60)            calibration: 10 equal-width score bins × 6 sums over usable labels
 *                      (decision-cells.ts), inverse-propensity weighted:
 *                      rows, Σw, Σw², Σw·score, Σw·label, Σw²·label
 *   [60, 60 + k_s)     score histogram on the card's reference score bins
 *   then per feature   histogram on the card's reference bins of that feature, in spec order
 *
 * The score and feature bins are the model card's (`card.reference`, fixed at training), so the
 * layout belongs to a model version; calibration comes first so it can be read (and summed across
 * versions) without the card.
 */

export const CALIBRATION_BINS = DEFAULT_CALIBRATION_BINS;
export const CALIBRATION_STATS = 6;
export const CALIBRATION_LENGTH = CALIBRATION_BINS * CALIBRATION_STATS;

export interface HistogramSlot {
  readonly name: string;
  readonly edges: readonly number[];
  readonly offset: number;
}

export interface DistributionLayout {
  readonly modelVersion: string;
  readonly score: HistogramSlot;
  /** In feature spec order (the card's reference order). */
  readonly features: readonly HistogramSlot[];
  readonly length: number;
}

export function distributionLayout(card: ModelCard): DistributionLayout {
  let offset = CALIBRATION_LENGTH;
  const slot = (name: string, edges: readonly number[]): HistogramSlot => {
    const s = { name, edges: [...edges], offset };
    offset += edges.length + 1;
    return s;
  };
  const score = slot('score', card.reference.score.edges);
  const features = card.reference.features.map((f) => slot(f.name, f.edges));
  return { modelVersion: card.modelDetails.version, score, features, length: offset };
}

/** Adds a decision's score and feature values to their bins (once, when the decision is written). */
export function addDecisionHistograms(layout: DistributionLayout, d: CountedDecision, out: Float64Array): void {
  out[layout.score.offset + binIndex(layout.score.edges, d.score)] += 1;
  const n = Math.min(layout.features.length, d.features.length);
  for (let i = 0; i < n; i++) {
    const slot = layout.features[i] as HistogramSlot;
    out[slot.offset + binIndex(slot.edges, d.features[i] as number)] += 1;
  }
}

/** Adds sign × the decision's calibration sums (nothing unless it has a usable label). */
export function addCalibration(d: CountedDecision, o: CountedOutcome | null, sign: number, out: Float64Array): void {
  const usable = usableLabel(d, o);
  if (usable === null || !(d.score >= 0 && d.score <= 1)) return;
  const at = calibrationBin(d.score, CALIBRATION_BINS) * CALIBRATION_STATS;
  const w = usable.weight;
  out[at] += sign;
  out[at + 1] += sign * w;
  out[at + 2] += sign * w * w;
  out[at + 3] += sign * w * d.score;
  out[at + 4] += sign * w * usable.label;
  out[at + 5] += sign * w * w * usable.label;
}
