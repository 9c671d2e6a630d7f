import type { CrossingEvent, Occupant } from '../../features/crossing-event.schema.ts';
import { createBaseRateController } from './base-rate.ts';
import { decideInspection, type InspectionResult, type Selection } from './inspections.ts';
import { ACTIVE_RUNS_PER_OPERATION_DAY, createOperations, NOMINAL_LOAD_PROBABILITY } from './operations.ts';
import { resolveSimulationOptions, type ResolvedSimulationOptions, type SimulationOptions } from './options.ts';
import { PendingQueue, type OperationRun, type PendingCrossing } from './pending-queue.ts';
import { createPopulation } from './population.ts';
import { DAY_MS, formatTimestamp, localDateOf, localTimeToInstant, PORTS, weekdayOf, type Port } from './ports.ts';
import { streamFor } from './streams.ts';
import { createTravelerFactory } from './travelers.ts';
import { createTripPlanner } from './trip-planner.ts';
import { createVehicleFactory, vehicleRecordOn, type Archetype } from './vehicles.ts';

export type { SimulationOptions } from './options.ts';
export type { Archetype } from './vehicles.ts';

/** Ground truth about one simulated crossing: what no officer or model sees. */
export interface CrossingTruth {
  /** The crossing carried contraband. Always false for outbound crossings (only inbound smuggling is simulated). */
  readonly contraband: boolean;
  /** The archetype of the vehicle (of the operation's vehicle for smugglers). */
  readonly archetype: Archetype;
  /** Simulator id of the vehicle (`v…` legitimate, `o…` operation): for grouped splits; not an identifier in the event. */
  readonly vehicleId: string;
  /** The smuggling operation the vehicle belongs to, or null. */
  readonly operationId: string | null;
  /** For operations' crossings: a clean trial run of a new vehicle, or a run of its active phase (loaded or not). */
  readonly operationRun: OperationRun | null;
  /** The historical secondary inspection of this (inbound) crossing, if there was one. */
  readonly inspection: TruthInspection | null;
}

export interface TruthInspection {
  /** When the inspection's result was recorded, ISO 8601 in the port's offset. */
  readonly recordedAt: string;
  readonly selection: Selection;
  readonly result: InspectionResult;
}

export interface SimulatedCrossing {
  /** Valid against crossingEventSchema; nested objects are shared between events and frozen: read-only. */
  readonly event: CrossingEvent;
  readonly truth: CrossingTruth;
}

/** Share of contraband that ordinary travelers carry opportunistically; operations carry the rest. */
export const OPPORTUNISTIC_SHARE = 0.15;

/** How a run is set up, known before the first crossing: for manifests and reports. */
export interface SimulationPlan {
  readonly options: ResolvedSimulationOptions;
  /** Smuggling operations active at any time (each ending one is replaced). */
  readonly operations: number;
  /** Expected inbound crossings per day of the legitimate population. */
  readonly nominalInboundPerDay: number;
  /** Base probability that an ordinary inbound crossing carries an opportunistic load (times the archetype's propensity). */
  readonly opportunisticLoadProbability: number;
}

export interface Simulation {
  readonly plan: SimulationPlan;
  /** The crossings; can be iterated once. */
  readonly crossings: Generator<SimulatedCrossing, void, undefined>;
}

/**
 * The simulated crossings of `options.days` local days at ten land ports, in non-decreasing time
 * order, each with its ground truth. Deterministic for a seed. Lazy: crossings are planned a day
 * ahead and handed out one by one, so memory holds the population and a few days of planned
 * traffic, never the whole run. `clock` only serves to refuse a period that ends in the future.
 */
export function simulate(options: SimulationOptions, clock: () => number = Date.now): Generator<SimulatedCrossing, void, undefined> {
  return createSimulation(options, clock).crossings;
}

/** The same as `simulate`, with the run's plan (operation count and calibration) available up front. */
export function createSimulation(options: SimulationOptions, clock: () => number = Date.now): Simulation {
  const o = resolveSimulationOptions(options, clock());
  const world = createWorld(o);
  return {
    plan: {
      options: o,
      operations: world.operationCount,
      nominalInboundPerDay: world.population.nominalInboundPerDay,
      opportunisticLoadProbability: world.opportunisticProbability,
    },
    crossings: run(o, world),
  };
}

function* run(o: ResolvedSimulationOptions, world: World): Generator<SimulatedCrossing, void, undefined> {
  const { queue, controller, population, operations } = world;
  for (let d = 0; d < o.days; d++) {
    const date = o.startDate + d;
    const weekday = weekdayOf(date);
    const starts = new Map<Port, number>(PORTS.map((p) => [p, localTimeToInstant(p, date, 0)]));
    const dayStart = (port: Port): number => starts.get(port)!;
    population.planDay(date, weekday, dayStart, streamFor(o.seed, 'legitimate-schedule', d), world.planner, world.opportunisticProbability);
    const candidates = operations.planDay(date, weekday, dayStart, streamFor(o.seed, 'operations-schedule', d), world.planner);
    controller.assignLoads(candidates, streamFor(o.seed, 'operations-loads', d));

    // Every trip planned from now on starts at or after the next local midnight at the easternmost port.
    const boundary = d === o.days - 1 ? Infinity : Math.min(...PORTS.map((p) => localTimeToInstant(p, date + 1, 0)));
    for (let next = queue.peek(); next !== undefined && next.at < boundary; next = queue.peek()) {
      queue.pop();
      if (next.at >= next.vehicle.retiredAt) {
        controller.cancelled(next);
        continue;
      }
      yield world.emit(next);
    }
  }
}

type World = ReturnType<typeof createWorld>;

function createWorld(o: ResolvedSimulationOptions) {
  const salts = streamFor(o.seed, 'identity-salt');
  const plateSalt = salts.int(0x7fffffff);
  const travelerSalt = salts.int(0x7fffffff);
  const referenceYear = new Date(o.startDate * DAY_MS).getUTCFullYear();
  const populationRandom = streamFor(o.seed, 'population');
  const operationsRandom = streamFor(o.seed, 'operations');

  const population = createPopulation({
    vehicles: o.vehicles,
    startDate: o.startDate,
    random: populationRandom,
    travelers: createTravelerFactory({
      side: 'legitimate',
      salt: travelerSalt,
      referenceYear,
      auditRandom: streamFor(o.seed, 'population-audit'),
      identityRandom: populationRandom,
    }),
    vehicleFactory: createVehicleFactory('legitimate', plateSalt),
  });

  // Size the operations so that an active run is loaded with probability near NOMINAL_LOAD_PROBABILITY,
  // plus one for headroom: small populations would otherwise often lack a vehicle in its active phase.
  const loadsPerDay = o.baseRate * population.nominalInboundPerDay * (1 - OPPORTUNISTIC_SHARE);
  const operationCount = o.baseRate === 0 ? 0 : Math.ceil(loadsPerDay / (ACTIVE_RUNS_PER_OPERATION_DAY * NOMINAL_LOAD_PROBABILITY)) + 1;
  const operations = createOperations({
    count: operationCount,
    startDate: o.startDate,
    random: operationsRandom,
    travelers: createTravelerFactory({
      side: 'operations',
      salt: travelerSalt,
      referenceYear,
      auditRandom: streamFor(o.seed, 'operations-audit'),
      identityRandom: operationsRandom,
      bias: { injection: o.injectBias, random: streamFor(o.seed, 'operations-bias') },
    }),
    vehicleFactory: createVehicleFactory('operations', plateSalt),
  });
  const opportunisticProbability =
    population.opportunisticInboundPerDay === 0
      ? 0
      : (OPPORTUNISTIC_SHARE * o.baseRate * population.nominalInboundPerDay) / population.opportunisticInboundPerDay;

  const controller = createBaseRateController(o.baseRate);
  const queue = new PendingQueue();
  const ends = new Map<Port, number>(PORTS.map((p) => [p, localTimeToInstant(p, o.startDate + o.days, 0)]));
  const planner = createTripPlanner(queue, (port) => ends.get(port)!, controller);
  const legitimateInspections = streamFor(o.seed, 'legitimate-inspections');
  const operationsInspections = streamFor(o.seed, 'operations-inspections');

  const emit = (crossing: PendingCrossing): SimulatedCrossing => {
    const { vehicle, port, at } = crossing;
    const operation = vehicle.operationId !== null;
    const inspection = crossing.direction === 'inbound' ? decideInspection(operation ? operationsInspections : legitimateInspections, crossing) : null;
    const occupants: Occupant[] = [crossing.driver.asDriver];
    for (const p of crossing.passengers) occupants.push(p.asPassenger);
    const event: CrossingEvent = {
      port: port.code,
      lane: crossing.lane,
      direction: crossing.direction,
      timestamp: formatTimestamp(port, at),
      vehicle: vehicleRecordOn(vehicle, localDateOf(port, at)),
      occupants,
    };
    vehicle.crossings++;
    if (inspection !== null) {
      vehicle.referrals++;
      if (inspection.result === 'seizure') operations.seized(crossing);
    }
    return {
      event,
      truth: {
        contraband: crossing.contraband,
        archetype: vehicle.archetype,
        vehicleId: vehicle.id,
        operationId: vehicle.operationId,
        operationRun: crossing.operationRun,
        inspection:
          inspection === null ? null : { recordedAt: formatTimestamp(port, inspection.recordedAt), selection: inspection.selection, result: inspection.result },
      },
    };
  };

  return { population, operations, controller, queue, planner, opportunisticProbability, operationCount, emit };
}
