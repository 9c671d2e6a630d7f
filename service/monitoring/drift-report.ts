import {
  compareWithReference,
  DEFAULT_DRIFT_MINIMUM_COUNT,
  PSI_ALERT,
  PSI_EPSILON,
  PSI_WARN,
  rankByDrift,
  type DriftResult,
} from '../../metrics/drift.ts';
import type { BinnedDistribution, ModelCard } from '../../models/model-card.ts';
import type { DistributionLayout, HistogramSlot } from './distribution-layout.ts';

/**
 * Drift of a window against the model's training data (pure): for the score and each feature, the
 * live counts on the card's fixed bins compared with the card's reference proportions
 * (metrics/drift.ts: PSI, Jensen–Shannon distance, levels none / warn >= 0.1 / alert >= 0.25, and
 * insufficient_data below the minimum count), features ranked most drifted first.
 */

export interface DriftView extends DriftResult {
  /** The card's interior bin edges: bin i holds [edges[i-1], edges[i]). */
  readonly edges: readonly number[];
  /** Live counts per bin. */
  readonly counts: readonly number[];
}

export interface DriftFigures {
  readonly count: number;
  readonly thresholds: { readonly warn: number; readonly alert: number; readonly epsilon: number; readonly minimumCount: number };
  readonly score: DriftView;
  /** Most drifted first. */
  readonly features: readonly DriftView[];
  readonly summary: { readonly alert: number; readonly warn: number; readonly none: number; readonly insufficientData: number };
}

function view(name: string, reference: BinnedDistribution, slot: HistogramSlot, values: Float64Array, minimumCount: number): DriftView {
  const counts = Array.from(values.subarray(slot.offset, slot.offset + slot.edges.length + 1), (c) => Math.max(0, Math.round(c)));
  return { ...compareWithReference(name, reference, counts, { minimumCount }), edges: slot.edges, counts };
}

export function driftFigures(card: ModelCard, layout: DistributionLayout, values: Float64Array, minimumCount = DEFAULT_DRIFT_MINIMUM_COUNT): DriftFigures {
  const score = view('score', card.reference.score, layout.score, values, minimumCount);
  const byName = new Map<string, DriftView>();
  layout.features.forEach((slot, i) => {
    const reference = card.reference.features[i] as BinnedDistribution;
    byName.set(slot.name, view(slot.name, reference, slot, values, minimumCount));
  });
  const features = rankByDrift([...byName.values()]).map((r) => byName.get(r.name) as DriftView);
  const all = [score, ...features];
  return {
    count: score.count,
    thresholds: { warn: PSI_WARN, alert: PSI_ALERT, epsilon: PSI_EPSILON, minimumCount },
    score,
    features,
    summary: {
      alert: all.filter((r) => r.level === 'alert').length,
      warn: all.filter((r) => r.level === 'warn').length,
      none: all.filter((r) => r.level === 'none').length,
      insufficientData: all.filter((r) => r.level === 'insufficient_data').length,
    },
  };
}
