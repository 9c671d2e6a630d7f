/**
 * The crossing-history aggregates the extractor reads, and their exact definitions.
 *
 * Point in time: every aggregate for a crossing at instant t uses only records strictly before
 * t (crossings with `at < t`, facts with `recordedAt < t`). The store (store/) answers these
 * from its indexes; `aggregateHistory` below computes them from plain lists and is the
 * definition the store is tested against.
 *
 * Bounded work: counts over windows are answered from running totals (two index seeks each),
 * and distinct counts look at no more than DISTINCT_SCAN_LIMIT recent crossings, so a vehicle
 * that crosses twenty times a day for years costs the same to look up as any other.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const WINDOW_24H_MS = DAY_MS;
export const WINDOW_7D_MS = 7 * DAY_MS;
export const WINDOW_30D_MS = 30 * DAY_MS;
export const WINDOW_365D_MS = 365 * DAY_MS;

/** Distinct ports, drivers and vehicles are counted over at most this many most recent crossings in the window. */
export const DISTINCT_SCAN_LIMIT = 32;

export interface VehicleHistory {
  readonly crossings24h: number;
  readonly crossings7d: number;
  readonly crossings30d: number;
  readonly crossings365d: number;
  /** Distinct ports among the vehicle's most recent crossings (at most DISTINCT_SCAN_LIMIT) in the 30 days before t. */
  readonly distinctPorts30d: number;
  /** Distinct drivers among the same crossings. */
  readonly distinctDrivers30d: number;
  /** Epoch ms of the vehicle's first crossing before t, or null when it has none. */
  readonly firstSeenAt: number | null;
  readonly lastCrossingAt: number | null;
  readonly lastOutboundAt: number | null;
  /** Net referral facts recorded before t (a correction that withdraws a referral counts -1). */
  readonly referrals: number;
  /** Net seizure facts recorded before t. */
  readonly seizures: number;
}

export interface TravelerHistory {
  /** Crossings with this traveler aboard, in any role. */
  readonly crossings7d: number;
  readonly crossings30d: number;
  /** Distinct vehicles among the traveler's most recent crossings (at most DISTINCT_SCAN_LIMIT) in the 30 days before t. */
  readonly distinctVehicles30d: number;
  readonly firstSeenAt: number | null;
  readonly referrals: number;
  readonly seizures: number;
}

/** History for one crossing: `travelers[i]` belongs to the event's `occupants[i]`. */
export interface CrossingHistory {
  readonly vehicle: VehicleHistory;
  readonly travelers: readonly TravelerHistory[];
}

export const EMPTY_VEHICLE_HISTORY: VehicleHistory = Object.freeze({
  crossings24h: 0,
  crossings7d: 0,
  crossings30d: 0,
  crossings365d: 0,
  distinctPorts30d: 0,
  distinctDrivers30d: 0,
  firstSeenAt: null,
  lastCrossingAt: null,
  lastOutboundAt: null,
  referrals: 0,
  seizures: 0,
});

export const EMPTY_TRAVELER_HISTORY: TravelerHistory = Object.freeze({
  crossings7d: 0,
  crossings30d: 0,
  distinctVehicles30d: 0,
  firstSeenAt: null,
  referrals: 0,
  seizures: 0,
});

// ---------------------------------------------------------------------------------------------
// The reference definition, over plain lists. O(n) per query: for tests and small histories.

/** One recorded crossing, identifiers already hashed. `seq` orders records crossing at the same instant. */
export interface HistoryCrossing {
  readonly at: number;
  readonly seq: number;
  readonly port: string;
  readonly direction: 'inbound' | 'outbound';
  readonly vehicleKey: string;
  readonly driverKey: string;
  readonly travelerKeys: readonly string[];
}

export type FactKind = 'referral' | 'seizure';

/** A referral or seizure fact about a vehicle or traveler, as recorded at `recordedAt`. */
export interface HistoryFact {
  readonly entityKey: string;
  readonly kind: FactKind;
  /** +1 when recorded; -1 when a later correction withdraws it. */
  readonly delta: 1 | -1;
  readonly recordedAt: number;
}

export interface HistoryQuery {
  readonly at: number;
  readonly vehicleKey: string;
  /** One per occupant, in the event's order. */
  readonly travelerKeys: readonly string[];
}

export function aggregateHistory(
  crossings: readonly HistoryCrossing[],
  facts: readonly HistoryFact[],
  query: HistoryQuery,
): CrossingHistory {
  const before = crossings.filter((c) => c.at < query.at);
  const factsBefore = facts.filter((f) => f.recordedAt < query.at);
  return {
    vehicle: vehicleAggregate(
      before.filter((c) => c.vehicleKey === query.vehicleKey),
      factsBefore,
      query.vehicleKey,
      query.at,
    ),
    travelers: query.travelerKeys.map((key) =>
      travelerAggregate(
        before.filter((c) => c.travelerKeys.includes(key)),
        factsBefore,
        key,
        query.at,
      ),
    ),
  };
}

function vehicleAggregate(own: readonly HistoryCrossing[], facts: readonly HistoryFact[], key: string, t: number): VehicleHistory {
  const recent = mostRecentInWindow(own, t, WINDOW_30D_MS);
  const outbound = own.filter((c) => c.direction === 'outbound');
  return {
    crossings24h: countSince(own, t - WINDOW_24H_MS),
    crossings7d: countSince(own, t - WINDOW_7D_MS),
    crossings30d: countSince(own, t - WINDOW_30D_MS),
    crossings365d: countSince(own, t - WINDOW_365D_MS),
    distinctPorts30d: new Set(recent.map((c) => c.port)).size,
    distinctDrivers30d: new Set(recent.map((c) => c.driverKey)).size,
    firstSeenAt: own.length === 0 ? null : Math.min(...own.map((c) => c.at)),
    lastCrossingAt: own.length === 0 ? null : Math.max(...own.map((c) => c.at)),
    lastOutboundAt: outbound.length === 0 ? null : Math.max(...outbound.map((c) => c.at)),
    referrals: netFacts(facts, key, 'referral'),
    seizures: netFacts(facts, key, 'seizure'),
  };
}

function travelerAggregate(own: readonly HistoryCrossing[], facts: readonly HistoryFact[], key: string, t: number): TravelerHistory {
  const recent = mostRecentInWindow(own, t, WINDOW_30D_MS);
  return {
    crossings7d: countSince(own, t - WINDOW_7D_MS),
    crossings30d: countSince(own, t - WINDOW_30D_MS),
    distinctVehicles30d: new Set(recent.map((c) => c.vehicleKey)).size,
    firstSeenAt: own.length === 0 ? null : Math.min(...own.map((c) => c.at)),
    referrals: netFacts(facts, key, 'referral'),
    seizures: netFacts(facts, key, 'seizure'),
  };
}

function countSince(crossings: readonly HistoryCrossing[], from: number): number {
  return crossings.filter((c) => c.at >= from).length;
}

/** The DISTINCT_SCAN_LIMIT latest crossings in [t - window, t), latest first; ties broken by later seq first. */
function mostRecentInWindow(crossings: readonly HistoryCrossing[], t: number, window: number): HistoryCrossing[] {
  return crossings
    .filter((c) => c.at >= t - window)
    .sort((a, b) => b.at - a.at || b.seq - a.seq)
    .slice(0, DISTINCT_SCAN_LIMIT);
}

function netFacts(facts: readonly HistoryFact[], key: string, kind: FactKind): number {
  let sum = 0;
  for (const f of facts) if (f.entityKey === key && f.kind === kind) sum += f.delta;
  return sum;
}
