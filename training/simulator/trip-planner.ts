import type { Direction } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import { chooseInboundLane } from './documents.ts';
import type { OperationRun, PendingCrossing, PendingQueue } from './pending-queue.ts';
import { localTimeToInstant, type Port } from './ports.ts';
import type { SimTraveler } from './travelers.ts';
import type { SimVehicle } from './vehicles.ts';

/**
 * A round trip across the border: out and back, or in and back, depending on which side the
 * vehicle lives. Both legs carry the same occupants. Times are minutes after local midnight of
 * `localDate` at the port and may run into later days (overnight stays).
 */
export interface RoundTrip {
  readonly vehicle: SimVehicle;
  readonly port: Port;
  readonly localDate: number;
  readonly firstDirection: Direction;
  readonly firstMinutes: number;
  readonly secondMinutes: number;
  readonly driver: SimTraveler;
  readonly passengers: readonly SimTraveler[];
  /** Whether the inbound leg carries contraband (decided by the planner's caller). */
  readonly contraband: boolean;
  readonly operationRun: OperationRun | null;
}

/** Told about every crossing that enters the queue, so the base-rate controller can count inbound ones. */
export interface PlanObserver {
  planned(crossing: PendingCrossing): void;
}

export interface TripPlanner {
  /**
   * Queues the legs of a trip that fall inside the simulated period and marks the vehicle busy
   * until the second leg. Returns the inbound leg when it was queued.
   */
  roundTrip(trip: RoundTrip, random: Random): PendingCrossing | undefined;
  /** Instant of a local time at a port. */
  instant(port: Port, localDate: number, minutes: number): number;
}

export function createTripPlanner(queue: PendingQueue, endOfPeriod: (port: Port) => number, observer: PlanObserver): TripPlanner {
  let seq = 0;
  const instant = (port: Port, localDate: number, minutes: number): number => localTimeToInstant(port, localDate, minutes);
  return {
    instant,
    roundTrip(trip, random) {
      const first = instant(trip.port, trip.localDate, trip.firstMinutes);
      // At least ten minutes between the legs, whatever the drawn times say.
      const second = Math.max(instant(trip.port, trip.localDate, trip.secondMinutes), first + 600_000);
      trip.vehicle.availableFrom = second;
      const end = endOfPeriod(trip.port);
      const occupants = [trip.driver, ...trip.passengers];
      const inboundLane = chooseInboundLane(random, trip.port, occupants);
      let inbound: PendingCrossing | undefined;
      const legs: readonly [number, Direction][] = [
        [first, trip.firstDirection],
        [second, trip.firstDirection === 'inbound' ? 'outbound' : 'inbound'],
      ];
      for (const [at, direction] of legs) {
        if (at >= end) continue;
        const crossing: PendingCrossing = {
          at,
          seq: seq++,
          port: trip.port,
          direction,
          lane: direction === 'inbound' ? inboundLane : 'general',
          vehicle: trip.vehicle,
          driver: trip.driver,
          passengers: trip.passengers,
          contraband: direction === 'inbound' && trip.contraband,
          operationRun: trip.operationRun,
        };
        if (direction === 'inbound') inbound = crossing;
        queue.push(crossing);
        observer.planned(crossing);
      }
      return inbound;
    },
  };
}
