import type { Random } from '../../lib/random.ts';
import type { PendingCrossing } from './pending-queue.ts';
import type { PlanObserver } from './trip-planner.ts';

/**
 * Keeps the share of contraband-carrying inbound crossings at the target base rate.
 *
 * Every planned crossing is counted as it is queued (opportunistic loads of ordinary travelers
 * included). Once a day, after all trips starting that day are planned, the operations' active
 * runs of the day are loaded, each independently with probability
 *
 *     p = clamp((target x inbound planned so far - contraband planned so far) / active runs today, 0, MAX)
 *
 * i.e. the day's loads make up the running shortfall (an integral controller with gain 1). The
 * cumulative number of loads therefore tracks target x inbound to within the binomial noise of
 * the last day's draws, whatever the population size; crossings dropped later (a vehicle seized
 * before its next leg) are uncounted. Loads go to operations in proportion to their activity, at
 * the busy hours they copy. When the operations cannot supply enough runs (p at MAX for long),
 * the realised rate falls short; the manifest reports the realised rate.
 */
export const MAX_LOAD_PROBABILITY = 0.9;

export interface BaseRateController extends PlanObserver {
  readonly target: number;
  /** Decides which of today's candidate runs carry a load. */
  assignLoads(candidates: readonly PendingCrossing[], random: Random): void;
  /** A planned crossing that will not happen after all. */
  cancelled(crossing: PendingCrossing): void;
  /** Inbound crossings and loads planned so far (net of cancellations). */
  readonly inbound: number;
  readonly contraband: number;
}

export function createBaseRateController(target: number): BaseRateController {
  let inbound = 0;
  let contraband = 0;
  return {
    target,
    get inbound() {
      return inbound;
    },
    get contraband() {
      return contraband;
    },
    planned(crossing) {
      if (crossing.direction !== 'inbound') return;
      inbound++;
      if (crossing.contraband) contraband++;
    },
    cancelled(crossing) {
      if (crossing.direction !== 'inbound') return;
      inbound--;
      if (crossing.contraband) contraband--;
    },
    assignLoads(candidates, random) {
      if (candidates.length === 0) return;
      const shortfall = target * inbound - contraband;
      const p = Math.min(Math.max(shortfall / candidates.length, 0), MAX_LOAD_PROBABILITY);
      for (const crossing of candidates) {
        // One draw per candidate whatever p is, so the stream does not depend on the shortfall.
        if (random.next() < p) {
          crossing.contraband = true;
          contraband++;
        }
      }
    },
  };
}
