import type { Random } from '../../lib/random.ts';
import { ARCHETYPE_MIX, createFleetCompany, OPPORTUNISTIC_PROPENSITY, createHousehold, REPLACEMENT_PER_DAY, replaceVehicle, type Household, type HouseholdContext, type LegitimateArchetype } from './households.ts';
import { planHouseholdDay } from './legitimate-schedule.ts';
import type { Port, Region } from './ports.ts';
import type { SimTraveler, TravelerFactory } from './travelers.ts';
import type { TripPlanner } from './trip-planner.ts';
import type { VehicleFactory } from './vehicles.ts';

/**
 * The legitimate population: `vehicles` households (a household, a fleet company's vehicle or a
 * rental car each), split among the archetypes by ARCHETYPE_MIX exactly (largest remainders), and
 * the pool of renters the rental cars draw their drivers from.
 */
export interface Population {
  readonly households: readonly Household[];
  /** Expected inbound crossings per day, over all households. */
  readonly nominalInboundPerDay: number;
  /** Expected inbound crossings per day weighted by OPPORTUNISTIC_PROPENSITY: the opportunistic load probability's denominator. */
  readonly opportunisticInboundPerDay: number;
  /** Plans every household's trips that start on a local date. */
  planDay(date: number, weekday: number, dayStart: (port: Port) => number, random: Random, planner: TripPlanner, opportunistic: number): void;
}

/** Renters per rental car: tourists and business travelers, some of whom rent again. */
const RENTERS_PER_CAR = 8;
const RENTER_TRUSTED_SHARE = 0.05;

export function archetypeCounts(vehicles: number): Record<LegitimateArchetype, number> {
  const exact = ARCHETYPE_MIX.map(([archetype, share]) => [archetype, share * vehicles] as const);
  const counts = Object.fromEntries(exact.map(([a, x]) => [a, Math.floor(x)])) as Record<LegitimateArchetype, number>;
  let left = vehicles - Object.values(counts).reduce((a, b) => a + b, 0);
  const byRemainder = [...exact].sort((a, b) => b[1] - Math.floor(b[1]) - (a[1] - Math.floor(a[1])));
  for (const [archetype] of byRemainder) {
    if (left-- <= 0) break;
    counts[archetype]++;
  }
  return counts;
}

export interface PopulationOptions {
  readonly vehicles: number;
  /** Local date the simulation starts (days since the epoch). */
  readonly startDate: number;
  readonly random: Random;
  readonly travelers: TravelerFactory;
  readonly vehicleFactory: VehicleFactory;
}

export function createPopulation(options: PopulationOptions): Population {
  const { random, startDate } = options;
  let vehicleSerial = 0;
  const counts = archetypeCounts(options.vehicles);
  const renterPools = new Map<Region, SimTraveler[]>();
  const poolSize = Math.max(20, Math.ceil((counts.rental * RENTERS_PER_CAR) / 2));
  const ctx: HouseholdContext = {
    random,
    travelers: options.travelers,
    vehicles: options.vehicleFactory,
    renters: (port) => {
      let pool = renterPools.get(port.region);
      if (pool === undefined) {
        pool = [];
        for (let i = 0; i < poolSize; i++) pool.push(options.travelers.create('driver', random.next() < RENTER_TRUSTED_SHARE));
        renterPools.set(port.region, pool);
      }
      return pool;
    },
    nextVehicleId: () => `v${vehicleSerial++}`,
  };

  const households: Household[] = [];
  for (const [archetype] of ARCHETYPE_MIX) {
    let left = counts[archetype];
    while (left > 0) {
      if (archetype === 'fleet') {
        const size = Math.min(left, 1 + random.int(4));
        households.push(...createFleetCompany(ctx, size, startDate));
        left -= size;
      } else {
        households.push(createHousehold(ctx, archetype, startDate));
        left--;
      }
    }
  }

  let nominal = 0;
  let opportunistic = 0;
  for (const h of households) {
    nominal += h.nominalInboundPerDay;
    opportunistic += h.nominalInboundPerDay * OPPORTUNISTIC_PROPENSITY[h.archetype];
  }

  return {
    households,
    nominalInboundPerDay: nominal,
    opportunisticInboundPerDay: opportunistic,
    planDay(date, weekday, dayStart, dayRandom, planner, opportunisticProbability) {
      for (const household of households) {
        const start = dayStart(household.port);
        if (household.vehicle.availableFrom <= start && dayRandom.next() < REPLACEMENT_PER_DAY[household.archetype]) {
          replaceVehicle(ctx, household, date);
        }
        planHouseholdDay({ household, date, weekday, dayStart: start, random: dayRandom, planner, opportunistic: opportunisticProbability });
      }
    },
  };
}
