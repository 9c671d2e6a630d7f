import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import type { Random } from '../../lib/random.ts';
import { pickMake, plateFor, vinFor } from './identities.ts';
import { DAY_MS, formatDate } from './ports.ts';
import type { Side } from './travelers.ts';

export const ARCHETYPES = ['commuter', 'weekly_visitor', 'occasional', 'fleet', 'rental', 'smuggling_operation'] as const;
export type Archetype = (typeof ARCHETYPES)[number];

/** Which side of the border a vehicle is based on: its trips start from there. */
export type Residence = 'us' | 'foreign';

type VehicleRecord = CrossingEvent['vehicle'];

/** What a vehicle is: fixed for its life in the simulation. Dates are days since 1970-01-01. */
export interface VehicleIdentity {
  readonly plate: string;
  readonly plateJurisdiction: string;
  readonly vin: string | undefined;
  readonly make: string | undefined;
  readonly model: string | undefined;
  readonly year: number | undefined;
  /** When the current owner bought it: the ownership-change date. */
  readonly purchasedOn: number;
  readonly reportsRegistration: boolean;
  readonly reportsOwnership: boolean;
  /** US states and Canadian provinces renew registrations yearly; the registration date is the latest renewal. */
  readonly annualRenewal: boolean;
}

/** A vehicle in the simulation: its identity and what the simulation tracks about it. */
export interface SimVehicle {
  /** Simulator id, for ground truth and for grouping (never in an event). */
  readonly id: string;
  readonly archetype: Archetype;
  readonly operationId: string | null;
  readonly identity: VehicleIdentity;
  /** Instant the vehicle is back from its latest planned trip: no new trip starts before. */
  availableFrom: number;
  /** Instant from which the vehicle no longer crosses (seized, sold off); Infinity while in use. */
  retiredAt: number;
  /** Crossings emitted so far, and earlier referrals to secondary (what officers see on their screen). */
  crossings: number;
  referrals: number;
  /** The event's vehicle object, shared by crossings until the next registration renewal. */
  record: VehicleRecord | undefined;
  recordValidBefore: number;
}

export function newSimVehicle(id: string, archetype: Archetype, operationId: string | null, identity: VehicleIdentity): SimVehicle {
  return { id, archetype, operationId, identity, availableFrom: -Infinity, retiredAt: Infinity, crossings: 0, referrals: 0, record: undefined, recordValidBefore: -Infinity };
}

/** The vehicle object of an event on a local date: the registration date is the latest renewal on or before it. */
export function vehicleRecordOn(vehicle: SimVehicle, localDate: number): VehicleRecord {
  if (vehicle.record !== undefined && localDate < vehicle.recordValidBefore) return vehicle.record;
  const id = vehicle.identity;
  let registeredOn = id.purchasedOn;
  let nextRenewal = Infinity;
  if (id.annualRenewal) {
    const purchase = new Date(id.purchasedOn * DAY_MS);
    const today = new Date(localDate * DAY_MS);
    let year = today.getUTCFullYear();
    let renewal = anniversary(purchase, year);
    if (renewal > localDate) renewal = anniversary(purchase, --year);
    registeredOn = Math.max(renewal, id.purchasedOn);
    nextRenewal = anniversary(purchase, year + 1);
  }
  const record: VehicleRecord = { plate: id.plate, plateJurisdiction: id.plateJurisdiction };
  if (id.vin !== undefined) record.vin = id.vin;
  if (id.make !== undefined) record.make = id.make;
  if (id.model !== undefined) record.model = id.model;
  if (id.year !== undefined) record.year = id.year;
  if (id.reportsRegistration) record.registeredOn = formatDate(registeredOn);
  if (id.reportsOwnership) record.ownershipChangedOn = formatDate(id.purchasedOn);
  vehicle.record = Object.freeze(record);
  vehicle.recordValidBefore = nextRenewal;
  return vehicle.record;
}

/** The same month and day in another year, as days since the epoch (29 February becomes 1 March). */
function anniversary(date: Date, year: number): number {
  return Date.UTC(year, date.getUTCMonth(), date.getUTCDate()) / DAY_MS;
}

export interface VehicleSpec {
  readonly jurisdiction: string;
  readonly modelYear: number;
  readonly purchasedOn: number;
  /** Some smuggling operations pick vehicles whose registration data is thin. */
  readonly sparseRecords?: boolean;
}

/**
 * How often each field is reported, by the plate's country. Mexican state registries share less
 * with CBP than US and Canadian ones (the reason the missing indicators exist).
 */
const REPORTING = {
  us: { vin: 0.97, make: 0.96, year: 0.97, registration: 0.93, ownership: 0.85 },
  mx: { vin: 0.7, make: 0.92, year: 0.9, registration: 0.6, ownership: 0.45 },
} as const;
const SPARSE_RECORD_KEEP = 0.4;

export interface VehicleFactory {
  create(random: Random, spec: VehicleSpec): VehicleIdentity;
}

/** Numbers plates per jurisdiction; legitimate vehicles take even serials and operations odd ones. */
export function createVehicleFactory(side: Side, salt: number): VehicleFactory {
  const counters = new Map<string, number>();
  const parity = side === 'legitimate' ? 0 : 1;
  return {
    create(random, spec) {
      const n = counters.get(spec.jurisdiction) ?? 0;
      counters.set(spec.jurisdiction, n + 1);
      const reporting = spec.jurisdiction.startsWith('MX-') ? REPORTING.mx : REPORTING.us;
      const keep = spec.sparseRecords ? SPARSE_RECORD_KEEP : 1;
      const make = pickMake(random);
      const model = make.models[random.int(make.models.length)]!;
      const vinDraw = vinFor(random, make.wmi, spec.modelYear);
      const hasVin = random.next() < reporting.vin;
      const hasMake = random.next() < reporting.make;
      const hasYear = random.next() < reporting.year;
      const reportsRegistration = random.next() < reporting.registration * keep;
      const reportsOwnership = random.next() < reporting.ownership * keep;
      return {
        plate: plateFor(spec.jurisdiction, 2 * n + parity, salt),
        plateJurisdiction: spec.jurisdiction,
        vin: hasVin ? vinDraw : undefined,
        make: hasMake ? make.make : undefined,
        model: hasMake ? model : undefined,
        year: hasYear ? spec.modelYear : undefined,
        purchasedOn: spec.purchasedOn,
        reportsRegistration,
        reportsOwnership,
        annualRenewal: !spec.jurisdiction.startsWith('MX-'),
      };
    },
  };
}

const yearOf = (date: number): number => new Date(date * DAY_MS).getUTCFullYear();

/** A household's car on `date`: mostly several years old, owned for a few years. */
export function ownedVehicleSpec(random: Random, jurisdiction: string, date: number): VehicleSpec {
  const age = Math.min(25, Math.floor(random.exponential(7)));
  const yearsOwned = Math.min(age + random.next(), random.exponential(4));
  return { jurisdiction, modelYear: yearOf(date) - age, purchasedOn: date - Math.floor(yearsOwned * 365) };
}

/** A car a household has just bought (replacing its old one): new or used, bought days ago. */
export function newlyBoughtVehicleSpec(random: Random, jurisdiction: string, date: number): VehicleSpec {
  const age = random.next() < 0.4 ? random.int(2) : 2 + Math.floor(random.exponential(5));
  return { jurisdiction, modelYear: yearOf(date) - Math.min(age, 25), purchasedOn: date - random.int(21) };
}

/** A company vehicle: recent model, bought new by the company. */
export function fleetVehicleSpec(random: Random, jurisdiction: string, date: number): VehicleSpec {
  const age = random.int(7);
  return { jurisdiction, modelYear: yearOf(date) - age, purchasedOn: date - Math.floor(random.next() * (age + 1) * 365) };
}

/** A rental car: this or last year's model, in the fleet for at most 18 months. */
export function rentalVehicleSpec(random: Random, jurisdiction: string, date: number): VehicleSpec {
  return { jurisdiction, modelYear: yearOf(date) - random.int(2), purchasedOn: date - random.int(540) };
}

/**
 * A smuggling operation's vehicle: usually an older car bought days or weeks before its first
 * run; a quarter are "seasoned" cars held for months to look established.
 */
export function operationVehicleSpec(random: Random, jurisdiction: string, date: number, sparseRecords: boolean): VehicleSpec {
  const seasoned = random.next() < 0.25;
  const age = random.next() < 0.8 ? 3 + Math.floor(random.exponential(6)) : random.int(3);
  return {
    jurisdiction,
    modelYear: yearOf(date) - Math.min(age, 25),
    purchasedOn: date - (seasoned ? 60 + random.int(640) : 3 + random.int(43)),
    sparseRecords,
  };
}
