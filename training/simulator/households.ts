import type { Random } from '../../lib/random.ts';
import { PORTS, type Port } from './ports.ts';
import { COMMUTE_DAYS, FLEET_TRIPS } from './traffic-shapes.ts';
import type { SimTraveler, TravelerFactory } from './travelers.ts';
import {
  fleetVehicleSpec,
  newlyBoughtVehicleSpec,
  newSimVehicle,
  ownedVehicleSpec,
  rentalVehicleSpec,
  type Archetype,
  type Residence,
  type SimVehicle,
  type VehicleFactory,
  type VehicleSpec,
} from './vehicles.ts';

export type LegitimateArchetype = Exclude<Archetype, 'smuggling_operation'>;

/**
 * The legitimate archetypes and their share of the vehicles. Commuters are a quarter of the
 * vehicles but, crossing daily, about two thirds of the traffic, as at the busy southern ports.
 */
export const ARCHETYPE_MIX: readonly (readonly [LegitimateArchetype, number])[] = [
  ['commuter', 0.25],
  ['weekly_visitor', 0.18],
  ['occasional', 0.47],
  ['fleet', 0.04],
  ['rental', 0.06],
];

/** A legitimate vehicle with the people who use it and its habits. */
export interface Household {
  readonly archetype: LegitimateArchetype;
  /** The vehicle in use now; replaced (new identity, same people) when the household buys another. */
  vehicle: SimVehicle;
  readonly port: Port;
  readonly residence: Residence;
  readonly jurisdiction: string;
  /** Drivers of the vehicle (shared between a fleet company's vehicles). */
  readonly drivers: readonly SimTraveler[];
  /** People who ride along (household members; coworkers for fleets). */
  readonly passengers: readonly SimTraveler[];
  /** How much this household crosses relative to its archetype's typical member. */
  readonly activity: number;
  /** Weekly visitors: the weekday their trip starts (Sunday = 0). */
  readonly usualWeekday: number;
  /** Occasional travelers: mean days between trips. */
  readonly meanGapDays: number;
  /** Rentals: the local date the current rental ends, and until when the car sits on the lot. */
  rentalEndsOn: number;
  idleUntil: number;
  /** Expected inbound crossings per day (for sizing the operations and the opportunistic share). */
  readonly nominalInboundPerDay: number;
}

export interface HouseholdContext {
  readonly random: Random;
  readonly travelers: TravelerFactory;
  readonly vehicles: VehicleFactory;
  /** Renters, per region: the pool rental cars draw their drivers from. */
  readonly renters: (port: Port) => readonly SimTraveler[];
  nextVehicleId(): string;
}

/** Share of households enrolled in SENTRI/NEXUS (all members together), by archetype. */
const TRUSTED_TRAVELER_SHARE: Readonly<Record<LegitimateArchetype, number>> = {
  commuter: 0.35,
  weekly_visitor: 0.15,
  occasional: 0.05,
  fleet: 0.3,
  rental: 0.05,
};

const RESIDENCE_US_SHARE: Readonly<Record<LegitimateArchetype, number>> = {
  commuter: 0.15,
  weekly_visitor: 0.6,
  occasional: 0.6,
  fleet: 0.5,
  rental: 1,
};

const TOTAL_PORT_WEIGHT = PORTS.reduce((sum, p) => sum + p.trafficWeight, 0);

export function pickPort(random: Random): Port {
  let u = random.next() * TOTAL_PORT_WEIGHT;
  for (const p of PORTS) {
    u -= p.trafficWeight;
    if (u < 0) return p;
  }
  return PORTS[PORTS.length - 1]!;
}

/** Plates follow residence: most vehicles based abroad carry foreign plates, a few US ones, and vice versa. */
export function pickJurisdiction(random: Random, port: Port, residence: Residence): string {
  const foreign = residence === 'foreign' ? random.next() < 0.7 : random.next() < 0.03;
  const list = foreign ? port.foreignJurisdictions : port.usJurisdictions;
  return list[random.int(list.length)]!;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** A fleet company: 1 to 4 vehicles sharing a pool of 3 to 10 drivers. */
export function createFleetCompany(ctx: HouseholdContext, vehicleCount: number, date: number): Household[] {
  const { random } = ctx;
  const port = pickPort(random);
  const residence: Residence = random.next() < RESIDENCE_US_SHARE.fleet ? 'us' : 'foreign';
  const jurisdiction = pickJurisdiction(random, port, residence);
  const drivers: SimTraveler[] = [];
  const driverCount = 3 + random.int(8);
  for (let i = 0; i < driverCount; i++) drivers.push(ctx.travelers.create('driver', random.next() < TRUSTED_TRAVELER_SHARE.fleet));
  const households: Household[] = [];
  for (let i = 0; i < vehicleCount; i++) {
    const activity = 0.7 + 0.6 * random.next();
    households.push({
      archetype: 'fleet',
      vehicle: newVehicle(ctx, 'fleet', fleetVehicleSpec(random, jurisdiction, date)),
      port,
      residence,
      jurisdiction,
      drivers,
      passengers: drivers,
      activity,
      usualWeekday: 1,
      meanGapDays: 1,
      rentalEndsOn: -Infinity,
      idleUntil: -Infinity,
      nominalInboundPerDay: mean(FLEET_TRIPS) * activity,
    });
  }
  return households;
}

/** A household of one of the private archetypes, or a rental car. */
export function createHousehold(ctx: HouseholdContext, archetype: Exclude<LegitimateArchetype, 'fleet'>, date: number): Household {
  const { random } = ctx;
  const port = pickPort(random);
  const residence: Residence = random.next() < RESIDENCE_US_SHARE[archetype] ? 'us' : 'foreign';
  const jurisdiction = archetype === 'rental' ? port.usJurisdictions[0]! : pickJurisdiction(random, port, residence);
  const trusted = random.next() < TRUSTED_TRAVELER_SHARE[archetype];
  const drivers: SimTraveler[] = [];
  const passengers: SimTraveler[] = [];
  let activity = 1;
  let usualWeekday = 6;
  let meanGapDays = 60;
  let nominalInboundPerDay: number;
  switch (archetype) {
    case 'commuter': {
      const driverCount = random.next() < 0.2 ? 2 : 1;
      for (let i = 0; i < driverCount; i++) drivers.push(ctx.travelers.create('driver', trusted));
      const passengerCount = weighted(random, [0.55, 0.3, 0.15]);
      for (let i = 0; i < passengerCount; i++) passengers.push(ctx.travelers.create('passenger', trusted));
      activity = 0.8 + 0.3 * random.next();
      nominalInboundPerDay = mean(COMMUTE_DAYS.map((p) => Math.min(0.98, p * activity)));
      break;
    }
    case 'weekly_visitor': {
      const driverCount = random.next() < 0.5 ? 2 : 1;
      for (let i = 0; i < driverCount; i++) drivers.push(ctx.travelers.create('driver', trusted));
      const passengerCount = weighted(random, [0.2, 0.3, 0.25, 0.15, 0.1]);
      for (let i = 0; i < passengerCount; i++) passengers.push(ctx.travelers.create('passenger', trusted));
      activity = 0.6 + 0.4 * random.next();
      // US residents visit family at weekends (leaving Friday to Sunday); residents across the line shop, mostly at weekends.
      usualWeekday = residence === 'us' ? [5, 6, 6, 0][random.int(4)]! : [6, 6, 0, 0, 3][random.int(5)]!;
      nominalInboundPerDay = (0.75 * activity) / 7;
      break;
    }
    case 'occasional': {
      const driverCount = random.next() < 0.4 ? 2 : 1;
      for (let i = 0; i < driverCount; i++) drivers.push(ctx.travelers.create('driver', trusted));
      const passengerCount = weighted(random, [0.35, 0.35, 0.2, 0.1]);
      for (let i = 0; i < passengerCount; i++) passengers.push(ctx.travelers.create('passenger', trusted));
      // Log-uniform between 20 and 150 days between trips.
      meanGapDays = 20 * Math.exp(random.next() * Math.log(150 / 20));
      nominalInboundPerDay = 1 / meanGapDays;
      break;
    }
    case 'rental':
      // The drivers are whoever rents the car: see ctx.renters.
      nominalInboundPerDay = RENTAL_TRIP_SHARE / RENTAL_CYCLE_DAYS;
      break;
  }
  const vehicleSpec = archetype === 'rental' ? rentalVehicleSpec(random, jurisdiction, date) : ownedVehicleSpec(random, jurisdiction, date);
  return {
    archetype,
    vehicle: newVehicle(ctx, archetype, vehicleSpec),
    port,
    residence,
    jurisdiction,
    drivers: archetype === 'rental' ? ctx.renters(port) : drivers,
    passengers: archetype === 'rental' ? ctx.renters(port) : passengers,
    activity,
    usualWeekday,
    meanGapDays,
    rentalEndsOn: -Infinity,
    idleUntil: date + random.int(4),
    nominalInboundPerDay,
  };
}

/**
 * Relative chance that an ordinary inbound crossing carries an opportunistic load, by archetype:
 * one-off travelers and rentals most, commuters (recruited or unwitting) and visitors less,
 * company vehicles least.
 */
export const OPPORTUNISTIC_PROPENSITY: Readonly<Record<LegitimateArchetype, number>> = {
  commuter: 1,
  weekly_visitor: 1,
  occasional: 3,
  fleet: 0.3,
  rental: 3,
};

/** Rentals: a rental lasts 1 to 6 days (mean 3.5), the car then waits 1 to 3 days (mean 2); 45% of rentals cross. */
export const RENTAL_TRIP_SHARE = 0.45;
export const RENTAL_CYCLE_DAYS = 5.5;

/** How often a household replaces its vehicle: about every 6 years; fleets every 4, rental companies every 18 months. */
export const REPLACEMENT_PER_DAY: Readonly<Record<LegitimateArchetype, number>> = {
  commuter: 1 / (6 * 365),
  weekly_visitor: 1 / (6 * 365),
  occasional: 1 / (6 * 365),
  fleet: 1 / (4 * 365),
  rental: 1 / (1.5 * 365),
};

/** The household's next vehicle, bought in the last three weeks: a never-seen plate, a recent ownership change. */
export function replaceVehicle(ctx: HouseholdContext, household: Household, date: number): void {
  const { random } = ctx;
  let spec: VehicleSpec;
  switch (household.archetype) {
    case 'fleet':
      spec = { ...fleetVehicleSpec(random, household.jurisdiction, date), purchasedOn: date - random.int(30) };
      break;
    case 'rental':
      spec = { ...rentalVehicleSpec(random, household.jurisdiction, date), purchasedOn: date - random.int(15) };
      break;
    case 'commuter':
    case 'weekly_visitor':
    case 'occasional':
      spec = newlyBoughtVehicleSpec(random, household.jurisdiction, date);
      break;
  }
  household.vehicle = newVehicle(ctx, household.archetype, spec);
}

function newVehicle(ctx: HouseholdContext, archetype: LegitimateArchetype, spec: VehicleSpec): SimVehicle {
  return newSimVehicle(ctx.nextVehicleId(), archetype, null, ctx.vehicles.create(ctx.random, spec));
}

/** Index drawn with the given probabilities (summing to 1). */
export function weighted(random: Random, probabilities: readonly number[]): number {
  let u = random.next();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i]!;
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}
