import type { Direction } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import { pickJurisdiction, weighted } from './households.ts';
import { portFor } from './legitimate-schedule.ts';
import type { PendingCrossing } from './pending-queue.ts';
import { localDateOf, PORTS, type Port } from './ports.ts';
import { durationMinutes, LEISURE_DEPARTURE, MORNING_COMMUTE, sampleMinutes, SUNDAY_RETURN } from './traffic-shapes.ts';
import type { SimTraveler, TravelerFactory } from './travelers.ts';
import type { TripPlanner } from './trip-planner.ts';
import { newSimVehicle, operationVehicleSpec, type Residence, type SimVehicle, type VehicleFactory } from './vehicles.ts';

/**
 * Smuggling operations: organisations that run loads across in vehicles made to look like
 * ordinary traffic. What gives them away, weakly and never all at once:
 * - vehicles bought or registered days or weeks before their first run (a quarter are held for
 *   months first), some with thin registration records;
 * - a pool of 2 to 5 drivers shared by the operation's 1 to 3 vehicles (several drivers per
 *   vehicle, several vehicles per driver);
 * - clean trial runs with each new vehicle before it carries anything: 2 to 5, or 8 to 20 for
 *   the fifth of vehicles an operation takes time to establish as ordinary traffic;
 * - a run every few days, at the busy hours of the style they copy: the morning commute, a
 *   midday day trip with a short outbound-to-inbound turnaround, or a weekend visit;
 * - a sixth with trusted-traveler cover (enrolled drivers and companions in the SENTRI/NEXUS lane).
 * After a seizure the vehicle is gone and its driver arrested; the operation buys another
 * vehicle and recruits. Operations end (mean lifetime about nine months) and new ones start, so
 * their number stays constant.
 *
 * Which active runs carry a load is not decided here: base-rate.ts does that, so the share of
 * contraband-carrying inbound crossings hits the configured base rate.
 */
export type OperationStyle = 'commute' | 'day_trip' | 'weekend';

interface OperationSlot {
  vehicle: SimVehicle | null;
  vacantUntil: number;
  trialRunsLeft: number;
  activeRunsLeft: number;
  nextRunDate: number;
}

interface Operation {
  readonly id: string;
  readonly style: OperationStyle;
  readonly port: Port;
  readonly residence: Residence;
  readonly cover: boolean;
  readonly sparseRecords: boolean;
  readonly drivers: SimTraveler[];
  readonly companions: SimTraveler[];
  readonly slots: OperationSlot[];
  readonly endsOn: number;
}

export interface Operations {
  /** Plans the runs that start on a local date; returns the active runs' inbound legs, the candidates for a load. */
  planDay(date: number, weekday: number, dayStart: (port: Port) => number, random: Random, planner: TripPlanner): PendingCrossing[];
  /** A loaded crossing was inspected and the load seized: the vehicle is gone, the driver arrested. */
  seized(crossing: PendingCrossing): void;
  /** Operations founded so far (ids are op-0, op-1, ...). */
  readonly founded: number;
}

/**
 * Calibration for sizing: active (loadable) inbound runs per operation per day, measured over
 * long runs of this simulator (`npx tsx training/simulator/calibrate-operations.ts`). The base
 * rate does not depend on it being exact (base-rate.ts corrects daily); it only sets how many
 * operations there are, so that the load probability of an active run sits near
 * NOMINAL_LOAD_PROBABILITY.
 */
export const ACTIVE_RUNS_PER_OPERATION_DAY = 0.13;
export const NOMINAL_LOAD_PROBABILITY = 0.45;

const STYLES: readonly OperationStyle[] = ['commute', 'day_trip', 'weekend'];
const STYLE_SHARES = [0.4, 0.4, 0.2];
const COVER_SHARE = 1 / 6;
const ESTABLISHED_SHARE = 0.2;
const SPARSE_RECORDS_SHARE = 0.3;
const SOUTHERN_SHARE = 0.85;
const MEAN_LIFETIME_DAYS = 270;
const DRIVER_TURNOVER_PER_DAY = 1 / 90;

export interface OperationsOptions {
  readonly count: number;
  readonly startDate: number;
  readonly random: Random;
  readonly travelers: TravelerFactory;
  readonly vehicleFactory: VehicleFactory;
}

export function createOperations(options: OperationsOptions): Operations {
  const { random, travelers, vehicleFactory } = options;
  let founded = 0;
  let vehicleSerial = 0;
  const slotOf = new Map<SimVehicle, { operation: Operation; slot: OperationSlot }>();

  const recruit = (operation: { cover: boolean }, role: 'driver' | 'passenger'): SimTraveler => travelers.create(role, operation.cover);

  const found = (date: number, atStart: boolean): Operation => {
    const style = STYLES[weighted(random, STYLE_SHARES)]!;
    const southern = random.next() < SOUTHERN_SHARE;
    const candidates = PORTS.filter((p) => (p.region === 'south') === southern);
    const port = candidates[weighted(random, normalised(candidates.map((p) => p.trafficWeight)))]!;
    const cover = random.next() < COVER_SHARE;
    const operation: Operation = {
      id: `op-${founded++}`,
      style,
      port,
      residence: style === 'commute' ? 'foreign' : 'us',
      cover,
      sparseRecords: random.next() < SPARSE_RECORDS_SHARE,
      drivers: [],
      companions: [],
      slots: [],
      endsOn: date + 30 + Math.floor(random.exponential(MEAN_LIFETIME_DAYS - 30)),
    };
    const driverCount = 2 + random.int(4);
    for (let i = 0; i < driverCount; i++) operation.drivers.push(recruit(operation, 'driver'));
    const companionCount = random.int(3);
    for (let i = 0; i < companionCount; i++) operation.companions.push(recruit(operation, 'passenger'));
    const slotCount = 1 + weighted(random, [0.5, 0.35, 0.15]);
    for (let i = 0; i < slotCount; i++) {
      const slot: OperationSlot = { vehicle: null, vacantUntil: date + random.int(atStart ? 12 : 10), trialRunsLeft: 0, activeRunsLeft: 0, nextRunDate: date };
      operation.slots.push(slot);
      // Operations running when the simulation starts are caught mid-way, near their steady state:
      // 30% of vehicle slots empty, 30% in trial runs, 40% already running loads.
      const phase = random.next();
      if (atStart && phase >= 0.3) {
        acquire(operation, slot, date);
        slot.trialRunsLeft = phase < 0.6 ? 1 + random.int(5) : 0;
        slot.nextRunDate = date + random.int(4);
      }
    }
    return operation;
  };

  const acquire = (operation: Operation, slot: OperationSlot, date: number): void => {
    const jurisdiction = pickJurisdiction(random, operation.port, operation.residence);
    const identity = vehicleFactory.create(random, operationVehicleSpec(random, jurisdiction, date, operation.sparseRecords));
    const vehicle = newSimVehicle(`o${vehicleSerial++}`, 'smuggling_operation', operation.id, identity);
    slot.vehicle = vehicle;
    // Most vehicles make 2 to 5 clean runs; a fifth are "established" first with 8 to 20.
    slot.trialRunsLeft = random.next() < ESTABLISHED_SHARE ? 8 + random.int(13) : 2 + random.int(4);
    slot.activeRunsLeft = 1 + Math.floor(random.exponential(9));
    slot.nextRunDate = date + random.int(3);
    slotOf.set(vehicle, { operation, slot });
  };

  const release = (slot: OperationSlot, vehicle: SimVehicle, retiredAt: number, vacantUntil: number): void => {
    vehicle.retiredAt = retiredAt;
    slot.vehicle = null;
    slot.vacantUntil = vacantUntil;
    slotOf.delete(vehicle);
  };

  const operations: Operation[] = [];
  for (let i = 0; i < options.count; i++) operations.push(found(options.startDate, true));

  return {
    get founded() {
      return founded;
    },
    planDay(date, weekday, dayStart, dayRandom, planner) {
      const candidates: PendingCrossing[] = [];
      for (let i = 0; i < operations.length; i++) {
        let operation = operations[i]!;
        if (date >= operation.endsOn) {
          // The operation winds up: its vehicles stop once home; a new one takes its place.
          for (const slot of operation.slots) if (slot.vehicle) release(slot, slot.vehicle, slot.vehicle.availableFrom + 1, date);
          operation = operations[i] = found(date, false);
        }
        if (dayRandom.next() < DRIVER_TURNOVER_PER_DAY) {
          operation.drivers.splice(dayRandom.int(operation.drivers.length), 1);
          operation.drivers.push(recruit(operation, 'driver'));
        }
        while (operation.drivers.length < 2) operation.drivers.push(recruit(operation, 'driver'));
        for (const slot of operation.slots) {
          if (slot.vehicle === null) {
            if (date >= slot.vacantUntil) acquire(operation, slot, date);
            continue;
          }
          const vehicle = slot.vehicle;
          if (date < slot.nextRunDate || vehicle.availableFrom > dayStart(operation.port)) continue;
          const inbound = planRun(operation, vehicle, slot, date, weekday, dayRandom, planner);
          if (inbound === null) continue;
          if (slot.trialRunsLeft > 0) {
            slot.trialRunsLeft--;
            slot.nextRunDate = date + 2 + dayRandom.int(6);
          } else {
            if (inbound !== undefined) candidates.push(inbound);
            slot.nextRunDate = date + 1 + dayRandom.int(4);
            if (--slot.activeRunsLeft <= 0) {
              // Rotated out after its last run, to stay ahead of pattern checks.
              release(slot, vehicle, vehicle.availableFrom + 1, date + 3 + dayRandom.int(18));
            }
          }
        }
      }
      return candidates;
    },
    seized(crossing) {
      const owner = slotOf.get(crossing.vehicle);
      if (owner === undefined) return;
      const date = localDateOf(crossing.port, crossing.at);
      release(owner.slot, crossing.vehicle, crossing.at, date + 7 + random.int(24));
      const drivers = owner.operation.drivers;
      const index = drivers.indexOf(crossing.driver);
      if (index >= 0) drivers.splice(index, 1);
    },
  };
}

/**
 * Plans one run in the operation's style on a local date. Returns null when the style does not
 * run on this weekday, else the inbound leg (undefined when it falls after the simulated period).
 */
function planRun(
  operation: Operation,
  vehicle: SimVehicle,
  slot: OperationSlot,
  date: number,
  weekday: number,
  random: Random,
  planner: TripPlanner,
): PendingCrossing | undefined | null {
  let first: number;
  let second: number;
  let firstDirection: Direction;
  switch (operation.style) {
    case 'commute':
      // In with the morning commute, back out in the afternoon or evening.
      if (weekday === 0 || weekday === 6) return null;
      firstDirection = 'inbound';
      first = sampleMinutes(random, MORNING_COMMUTE, 4, 10);
      second = Math.min(first + durationMinutes(random, 8, 2.5, 2), 23.9 * 60);
      break;
    case 'day_trip':
      // Out at midday, back a few hours later: the short turnaround of a pick-up.
      if (weekday === 0 && random.next() < 0.7) return null;
      firstDirection = 'outbound';
      first = sampleMinutes(random, LEISURE_DEPARTURE, 8, 15);
      second = Math.min(first + durationMinutes(random, 3, 1.2, 1), 23.9 * 60);
      break;
    case 'weekend':
      // A weekend visit: out Saturday or Sunday, back in the Sunday-evening crowd.
      if (weekday !== 6 && weekday !== 0) return null;
      firstDirection = 'outbound';
      first = sampleMinutes(random, LEISURE_DEPARTURE, 7, 14);
      second = weekday === 6 ? 1440 + sampleMinutes(random, SUNDAY_RETURN, 12, 23.9) : Math.min(first + durationMinutes(random, 4, 1.5, 1.5), 23.9 * 60);
      break;
  }
  const driver = operation.drivers[random.int(operation.drivers.length)]!;
  const companionShare = operation.cover ? 0.5 : 0.3;
  const passengers = operation.companions.length > 0 && random.next() < companionShare ? [operation.companions[random.int(operation.companions.length)]!] : [];
  return planner.roundTrip(
    {
      vehicle,
      port: portFor(random, operation.port, 0.15),
      localDate: date,
      firstDirection,
      firstMinutes: first,
      secondMinutes: second,
      driver,
      passengers,
      contraband: false,
      operationRun: slot.trialRunsLeft > 0 ? 'trial' : 'active',
    },
    random,
  );
}

function normalised(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}
