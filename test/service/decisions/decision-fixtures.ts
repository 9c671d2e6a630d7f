import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../../../features/feature-spec.ts';
import type { CrossingRecord } from '../../../store/history-store.ts';
import { crossingRecord } from '../../store/crossing-fixture.ts';
import { uuidV7 } from '../../../service/decisions/decision-id.ts';
import { decisionCrossingOf, type DecisionRecord } from '../../../service/decisions/decision-record.ts';

export { crossingRecord };

/** A decision about `crossing` with plausible values; `overrides` sets what a test looks at. */
export function decisionRecord(crossing: CrossingRecord, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: uuidV7(crossing.at),
    decidedAt: crossing.at + 1000,
    ...decisionCrossingOf(crossing),
    features: Float32Array.from({ length: FEATURE_COUNT }, (_, i) => i / 4),
    featureSpecHash: FEATURE_SPEC_HASH,
    modelVersion: 'test-1',
    score: 0.25,
    threshold: 0.2,
    thresholdSource: 'model_card',
    modelRecommendation: 'refer',
    randomlySelected: false,
    randomReferralRate: 0.005,
    referralPropensity: 1,
    recommendation: 'refer',
    selection: 'model',
    reasons: [{ feature: 'vehicleCrossings24h', value: 3, contribution: 0.05, sentence: '3 crossings by this vehicle in the last 24 hours' }],
    officerId: 'officer-7',
    tokenId: 'tok_abcdefghijkl',
    audit: [{ role: 'driver', sex: 'female', birthYear: 1980, citizenship: 'USA' }],
    ...overrides,
  };
}
