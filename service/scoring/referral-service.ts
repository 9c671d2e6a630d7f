import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import { extract } from '../../features/extract.ts';
import { toFeatureInput } from '../../features/feature-input.ts';
import { FEATURE_SPEC_HASH, REASON_GROUPS } from '../../features/feature-spec.ts';
import { toCrossingRecord, toHistoryQuery } from '../../store/crossing-record.ts';
import type { CrossingRecord, HistoryStore } from '../../store/history-store.ts';
import type { IdentifierHasher } from '../../store/identifiers.ts';
import type { AppliedDecision, DecisionLog, IdempotentReply } from '../decisions/decision-log.ts';
import { auditOf, decisionCrossingOf, type DecisionRecord } from '../decisions/decision-record.ts';
import type { PortBudgets } from './budget-threshold.ts';
import { decide } from './decide.ts';
import { occlusionRows, reasonsFromScores } from './explain.ts';
import type { ProductionModel } from './model.plugin.ts';
import type { UniformSource } from './random-selection.ts';

/**
 * Scoring one inbound crossing, end to end:
 *
 *   hash identifiers → history strictly before t (read connection) → extract (pure)
 *   → one onnxruntime run of the crossing and its occlusions → threshold (card or port budget)
 *   → decide (pure, with a cryptographic draw) → reasons (pure) → decision log (durable)
 *
 * The crossing itself is recorded in the history store in the decision's own transaction, so
 * the decision and the history never disagree and later crossings see this one.
 * Audit attributes go from the event to the decision record only; the extractor receives
 * `toFeatureInput(event)`, which has no such field.
 */
export interface Caller {
  readonly officerId: string;
  readonly tokenId: string;
}

export interface ReferralServiceDeps {
  readonly hasher: IdentifierHasher;
  readonly history: HistoryStore;
  readonly decisionLog: DecisionLog;
  readonly model: ProductionModel;
  readonly budgets: PortBudgets;
  readonly uniform: UniformSource;
  readonly clock: () => number;
  readonly randomReferralRate: number;
  readonly newId: (nowMs: number) => string;
}

export interface Evaluated {
  readonly decision: DecisionRecord;
  readonly crossing: CrossingRecord;
}

export function createReferralService(deps: ReferralServiceDeps) {
  const { model } = deps;
  const baseline = model.card.reference.baseline;
  const rowsPerCrossing = 1 + REASON_GROUPS.length;

  /** Everything up to the write: features, score, decision and reasons. */
  async function evaluate(event: CrossingEvent, caller: Caller): Promise<Evaluated> {
    const crossing = toCrossingRecord(event, deps.hasher);
    const history = await deps.history.historyBefore(toHistoryQuery(crossing));
    const features = extract(toFeatureInput(event), history);
    const scores = await model.scorer.score(occlusionRows(features, baseline, REASON_GROUPS), rowsPerCrossing);
    const score = scores[0]!;
    const { threshold, source } = deps.budgets.thresholdFor(event.port, model.card.decision.threshold);
    const decision = decide({ score, threshold, randomDraw: deps.uniform(), randomReferralRate: deps.randomReferralRate });
    const decidedAt = deps.clock();
    return {
      crossing,
      decision: {
        id: deps.newId(decidedAt),
        decidedAt,
        ...decisionCrossingOf(crossing),
        features,
        featureSpecHash: FEATURE_SPEC_HASH,
        modelVersion: model.version,
        score,
        threshold,
        thresholdSource: source,
        ...decision,
        randomReferralRate: deps.randomReferralRate,
        reasons: reasonsFromScores(features, scores, REASON_GROUPS, decision.modelRecommendation),
        officerId: caller.officerId,
        tokenId: caller.tokenId,
        audit: auditOf(event),
      },
    };
  }

  /** Evaluates and writes; resolves once the decision is durable. */
  async function score(event: CrossingEvent, caller: Caller, reply?: (applied: AppliedDecision) => IdempotentReply): Promise<DecisionRecord> {
    const { decision, crossing } = await evaluate(event, caller);
    await deps.decisionLog.appendDecision(decision, crossing, reply);
    return decision;
  }

  return { evaluate, score };
}

export type ReferralService = ReturnType<typeof createReferralService>;
