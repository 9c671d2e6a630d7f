import type { Direction } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import { OPPORTUNISTIC_PROPENSITY, type Household } from './households.ts';
import { nearbyPorts, type Port } from './ports.ts';
import {
  AFTERNOON_PEAK,
  BUSINESS_HOURS,
  COMMUTE_DAYS,
  durationMinutes,
  FLEET_TRIPS,
  FRIDAY_EVENING,
  LEISURE_DAYS,
  LEISURE_DAYS_MEAN,
  LEISURE_DEPARTURE,
  MORNING_COMMUTE,
  sampleMinutes,
  SUNDAY_RETURN,
} from './traffic-shapes.ts';
import type { SimTraveler } from './travelers.ts';
import type { TripPlanner } from './trip-planner.ts';

/**
 * One day of a legitimate household's travel. Each archetype has its habits (traffic-shapes.ts
 * for the times); a household starts no trip while its vehicle is still across the border.
 *
 * `opportunistic` is the base probability that an ordinary inbound crossing carries contraband,
 * scaled per archetype by OPPORTUNISTIC_PROPENSITY: a share of contraband comes from ordinary
 * travelers (a one-off carrier, a commuter paid to take a package, a "blind mule" whose car was
 * loaded without their knowledge), not from organised operations, so not every positive looks
 * like a smuggler and a model cannot find them all.
 */
export interface DayPlan {
  readonly household: Household;
  /** Local date (days since the epoch) and its weekday (Sunday = 0). */
  readonly date: number;
  readonly weekday: number;
  readonly dayStart: number;
  readonly random: Random;
  readonly planner: TripPlanner;
  readonly opportunistic: number;
}

const loaded = (plan: DayPlan): boolean => plan.random.next() < plan.opportunistic * OPPORTUNISTIC_PROPENSITY[plan.household.archetype];

export function planHouseholdDay(plan: DayPlan): void {
  const { household, dayStart } = plan;
  if (household.vehicle.availableFrom > dayStart) return;
  switch (household.archetype) {
    case 'commuter':
      return planCommute(plan);
    case 'weekly_visitor':
      return planWeeklyVisit(plan);
    case 'occasional':
      return planOccasionalTrip(plan);
    case 'fleet':
      return planFleetDay(plan);
    case 'rental':
      return planRental(plan);
  }
}

function planCommute(plan: DayPlan): void {
  const { household: h, random } = plan;
  if (random.next() >= Math.min(0.98, COMMUTE_DAYS[plan.weekday]! * h.activity)) return;
  const first = sampleMinutes(random, MORNING_COMMUTE, 4, 11);
  // A working day of about nine and a half hours, home before midnight.
  const second = Math.min(first + durationMinutes(random, 9.5, 1.3, 4), 23.9 * 60);
  trip(plan, portFor(random, h.port, 0.08), first, second, driverOf(random, h, 0.25), ridingAlong(random, h.passengers, 0.25), loaded(plan));
}

function planWeeklyVisit(plan: DayPlan): void {
  const { household: h, random, weekday } = plan;
  if (weekday !== h.usualWeekday || random.next() >= 0.75 * h.activity) return;
  const port = portFor(random, h.port, 0.1);
  const driver = driverOf(random, h, 0.4);
  const riders = ridingAlong(random, h.passengers, 0.65);
  if (h.residence === 'us') {
    // Family weekend across the line: out Friday evening or at the weekend, back on Sunday evening.
    const first = sampleMinutes(random, weekday === 5 ? FRIDAY_EVENING : LEISURE_DEPARTURE, 6, 22);
    const daysAway = weekday === 0 ? 0 : 7 - weekday;
    const second =
      daysAway === 0
        ? Math.min(first + durationMinutes(random, 6, 2, 2), 23.9 * 60)
        : daysAway * 1440 + sampleMinutes(random, SUNDAY_RETURN, 10, 23.9);
    trip(plan, port, first, second, driver, riders, loaded(plan));
  } else {
    // Shopping trip into the US: in late morning, out a few hours later.
    const first = sampleMinutes(random, LEISURE_DEPARTURE, 7, 19);
    const second = Math.min(first + durationMinutes(random, 4, 1.5, 1.5), 23.9 * 60);
    trip(plan, port, first, second, driver, riders, loaded(plan));
  }
}

function planOccasionalTrip(plan: DayPlan): void {
  const { household: h, random } = plan;
  if (random.next() >= LEISURE_DAYS[plan.weekday]! / LEISURE_DAYS_MEAN / h.meanGapDays) return;
  const port = portFor(random, h.port, 0.2);
  const first = sampleMinutes(random, LEISURE_DEPARTURE, 6, 20);
  const second =
    random.next() < 0.75
      ? Math.min(first + durationMinutes(random, 5, 2, 1.5), 23.9 * 60)
      : (1 + Math.floor(random.exponential(3))) * 1440 + sampleMinutes(random, AFTERNOON_PEAK, 8, 23.9);
  trip(plan, port, first, second, driverOf(random, h, 0.3), ridingAlong(random, h.passengers, 0.5), loaded(plan));
}

function planFleetDay(plan: DayPlan): void {
  const { household: h, random } = plan;
  // Trips today: the day's mean split into a whole part and a chance of one more.
  const expected = FLEET_TRIPS[plan.weekday]! * h.activity;
  let trips = Math.floor(expected) + (random.next() < expected - Math.floor(expected) ? 1 : 0);
  if (random.next() < 0.1) trips = Math.max(0, trips + (random.next() < 0.5 ? -1 : 1));
  let start = sampleMinutes(random, BUSINESS_HOURS, 6, 16);
  for (let i = 0; i < trips && start < 21 * 60; i++) {
    // Deliveries and service calls: short turnarounds, like a smuggler's, but on a fixed round.
    const back = start + durationMinutes(random, 2.5, 1, 0.75);
    const driver = h.drivers[random.int(h.drivers.length)]!;
    const coworker = random.next() < 0.25 ? h.drivers[random.int(h.drivers.length)]! : undefined;
    const riders = coworker !== undefined && coworker !== driver ? [coworker] : [];
    trip(plan, portFor(random, h.port, 0.2), start, Math.min(back, 23.9 * 60), driver, riders, loaded(plan));
    start = back + durationMinutes(random, 1, 0.5, 0.25);
  }
}

function planRental(plan: DayPlan): void {
  const { household: h, random, date } = plan;
  if (date < h.idleUntil || date < h.rentalEndsOn) return;
  const days = 1 + random.int(6);
  h.rentalEndsOn = date + days;
  h.idleUntil = h.rentalEndsOn + 1 + random.int(3);
  const renters = h.drivers;
  const renter = renters[random.int(renters.length)]!;
  const companions: SimTraveler[] = [];
  const companionCount = random.int(3);
  for (let i = 0; i < companionCount; i++) {
    const c = renters[random.int(renters.length)]!;
    if (c !== renter && !companions.includes(c)) companions.push(c);
  }
  if (random.next() >= 0.45) return;
  // A day across the line during the rental, or across until the car goes back.
  const offset = random.int(days);
  const first = offset * 1440 + sampleMinutes(random, LEISURE_DEPARTURE, 7, 18);
  const second =
    random.next() < 0.7 || offset === days - 1
      ? Math.min(first + durationMinutes(random, 5, 2, 1.5), offset * 1440 + 23.9 * 60)
      : (days - 1) * 1440 + sampleMinutes(random, AFTERNOON_PEAK, 9, 23.9);
  trip(plan, h.port, first, second, renter, companions, loaded(plan));
}

function trip(
  plan: DayPlan,
  port: Port,
  firstMinutes: number,
  secondMinutes: number,
  driver: SimTraveler,
  passengers: readonly SimTraveler[],
  contraband: boolean,
): void {
  const h = plan.household;
  const firstDirection: Direction = h.residence === 'us' ? 'outbound' : 'inbound';
  plan.planner.roundTrip(
    { vehicle: h.vehicle, port, localDate: plan.date, firstDirection, firstMinutes, secondMinutes, driver, passengers, contraband, operationRun: null },
    plan.random,
  );
}

/** The usual port, or now and then a nearby one (when the usual one's wait is long). */
export function portFor(random: Random, home: Port, elsewhere: number): Port {
  if (random.next() >= elsewhere) return home;
  const nearby = nearbyPorts(home);
  return nearby.length === 0 ? home : nearby[random.int(nearby.length)]!;
}

/** The main driver, or now and then the household's other one. */
function driverOf(random: Random, h: Household, other: number): SimTraveler {
  return h.drivers.length > 1 && random.next() < other ? h.drivers[1 + random.int(h.drivers.length - 1)]! : h.drivers[0]!;
}

function ridingAlong(random: Random, passengers: readonly SimTraveler[], share: number): SimTraveler[] {
  const riders: SimTraveler[] = [];
  for (const p of passengers) if (random.next() < share) riders.push(p);
  return riders;
}
