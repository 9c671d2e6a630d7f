import type { Random } from '../../lib/random.ts';
import type { PendingCrossing } from './pending-queue.ts';
import { localDateOf } from './ports.ts';

/**
 * Historical secondary inspections of simulated inbound crossings: what the officers of the past
 * did, so that the prior-referral and prior-seizure features have something to count.
 *
 * - Random: each inbound crossing is referred with probability RANDOM_INSPECTION_SHARE (0.5%),
 *   whatever it looks like (the unbiased sample the design asks for).
 * - Targeted: an officer's suspicion, a noisy score of what a primary officer can see plus a
 *   cue from the load itself (nervousness, a wrong-looking panel):
 *       s = 1.6 x contraband + 0.5 x (vehicle never crossed before) + 0.4 x (ownership changed
 *           in the last 90 days) + 0.2 x (general lane) - 0.6 x (trusted-traveler lane)
 *           + 0.3 x (vehicle referred before) + N(0, 1)
 *   and a referral when s > TARGETED_THRESHOLD. With these weights about 1.5% of inbound
 *   crossings are targeted and about 30% of loads are inspected (measured figures are printed
 *   by the CLI and written to the manifest). Audit attributes play no part.
 * - Result: a seizure exactly when the crossing carried contraband.
 * - recordedAt: 20 to 120 minutes after the crossing, when the inspection ends.
 */
export const RANDOM_INSPECTION_SHARE = 0.005;
export const TARGETED_THRESHOLD = 2.45;

export type Selection = 'random' | 'targeted';
export type InspectionResult = 'seizure' | 'no_seizure';

export interface HistoricalInspection {
  /** Epoch ms. */
  readonly recordedAt: number;
  readonly selection: Selection;
  readonly result: InspectionResult;
}

const OWNERSHIP_RECENT_DAYS = 90;

/** Decides whether an inbound crossing was sent to secondary. Draws the same numbers whatever the outcome. */
export function decideInspection(random: Random, crossing: PendingCrossing): HistoricalInspection | null {
  const randomDraw = random.next();
  const noise = random.normal();
  const delayMinutes = 20 + random.int(101);
  if (crossing.direction !== 'inbound') return null;
  let selection: Selection | null = null;
  if (randomDraw < RANDOM_INSPECTION_SHARE) {
    selection = 'random';
  } else if (suspicion(crossing) + noise > TARGETED_THRESHOLD) {
    selection = 'targeted';
  }
  if (selection === null) return null;
  return {
    recordedAt: crossing.at + delayMinutes * 60_000,
    selection,
    result: crossing.contraband ? 'seizure' : 'no_seizure',
  };
}

function suspicion(crossing: PendingCrossing): number {
  const vehicle = crossing.vehicle;
  const identity = vehicle.identity;
  let s = 0;
  if (crossing.contraband) s += 1.6;
  if (vehicle.crossings === 0) s += 0.5;
  if (identity.reportsOwnership && localDateOf(crossing.port, crossing.at) - identity.purchasedOn <= OWNERSHIP_RECENT_DAYS) s += 0.4;
  if (crossing.lane === 'general') s += 0.2;
  if (crossing.lane === 'sentri' || crossing.lane === 'nexus') s -= 0.6;
  if (vehicle.referrals > 0) s += 0.3;
  return s;
}

