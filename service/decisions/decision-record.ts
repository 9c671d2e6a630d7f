import type { AuditAttributes, CrossingEvent, Lane } from '../../features/crossing-event.schema.ts';
import type { CrossingRecord } from '../../store/history-store.ts';
import type { Recommendation, Selection, ThresholdSource } from '../scoring/decide.ts';
import type { Reason } from '../scoring/explain.ts';

/**
 * What the decision log keeps for each scored crossing (store/sqlite/migrations/002-decisions.sql).
 * Hashed keys only; audit attributes kept beside the decision, never in the feature vector.
 */
export interface DecisionRecord {
  readonly id: string;
  readonly decidedAt: number;
  readonly crossingAt: number;
  readonly utcOffsetMinutes: number;
  readonly port: string;
  readonly lane: Lane;
  readonly vehicleKey: string;
  readonly vinKey: string | null;
  readonly travelerKeys: readonly string[];
  readonly driverIndex: number;
  readonly features: Float32Array;
  readonly featureSpecHash: string;
  readonly modelVersion: string;
  readonly score: number;
  readonly threshold: number;
  readonly thresholdSource: ThresholdSource;
  readonly modelRecommendation: Recommendation;
  readonly randomlySelected: boolean;
  readonly randomReferralRate: number;
  readonly referralPropensity: number;
  readonly recommendation: Recommendation;
  readonly selection: Selection;
  readonly reasons: readonly Reason[];
  readonly officerId: string;
  readonly tokenId: string;
  readonly audit: readonly OccupantAudit[];
}

/** One occupant's audit attributes, in the event's occupant order. */
export interface OccupantAudit extends AuditAttributes {
  readonly role: 'driver' | 'passenger';
}

/** The decision's copy of its crossing (hashed keys only): what the decision log keeps beside the score. */
export type DecisionCrossing = Pick<DecisionRecord, 'crossingAt' | 'utcOffsetMinutes' | 'port' | 'lane' | 'vehicleKey' | 'vinKey' | 'travelerKeys' | 'driverIndex'>;

export function decisionCrossingOf(crossing: CrossingRecord): DecisionCrossing {
  return {
    crossingAt: crossing.at,
    utcOffsetMinutes: crossing.utcOffsetMinutes,
    port: crossing.port,
    lane: crossing.lane,
    vehicleKey: crossing.vehicleKey,
    vinKey: crossing.vinKey,
    travelerKeys: crossing.travelers.map((t) => t.key),
    driverIndex: crossing.travelers.findIndex((t) => t.isDriver),
  };
}

export function auditOf(event: CrossingEvent): OccupantAudit[] {
  return event.occupants.map((o) => ({ role: o.role, ...o.audit }));
}

export const OUTCOME_REASONS = ['model', 'random', 'officer'] as const;
export const INSPECTION_RESULTS = ['seizure', 'no_seizure'] as const;
export const SEIZURE_CATEGORIES = [
  'fentanyl',
  'methamphetamine',
  'cocaine',
  'heroin',
  'marijuana',
  'currency',
  'weapons',
  'other',
] as const;
export const QUANTITY_UNITS = ['g', 'kg', 'lb', 'usd', 'count'] as const;

export type OutcomeReason = (typeof OUTCOME_REASONS)[number];
export type InspectionResult = (typeof INSPECTION_RESULTS)[number];

export interface SeizedItem {
  readonly category: (typeof SEIZURE_CATEGORIES)[number];
  readonly quantity: number;
  readonly unit: (typeof QUANTITY_UNITS)[number];
}

/** What an officer reports about a decision: the action, and the inspection's result when inspected. */
export interface OutcomeReport {
  readonly referred: boolean;
  readonly reason: OutcomeReason | null;
  readonly result: InspectionResult | null;
  readonly items: readonly SeizedItem[];
}

export interface OutcomeRecord extends OutcomeReport {
  readonly id: string;
  readonly decisionId: string;
  readonly recordedAt: number;
  readonly observedAt: number;
  /** The outcome this one corrects, or null for the first report. */
  readonly supersedes: string | null;
  readonly officerId: string;
  readonly tokenId: string;
}
