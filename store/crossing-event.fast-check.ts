import { z } from 'zod';
import {
  DIRECTIONS,
  DOCUMENT_TYPES,
  LANES,
  EARLIEST_CROSSING_MS,
  MAX_FUTURE_SKEW_MS,
  MAX_OCCUPANTS,
  OCCUPANT_ROLES,
  PORT_CODE_PATTERN,
  SEX_VALUES,
  type CrossingEvent,
} from '../features/crossing-event.schema.ts';
import { normaliseIdentifier } from '../lib/normalise-identifier.ts';

/**
 * A fast path for import: true only when a JSON value certainly passes crossingEventSchema(now)
 * unchanged (every string already trimmed, no unknown field). Anything else, valid or not, returns
 * false and goes through the zod schema, which alone decides and words the messages.
 *
 * Why: zod costs about 6 µs per event here, more than parsing the JSON, and an import must keep up
 * with 100,000 lines a second. This check costs well under a microsecond.
 *
 * It restates the rules of features/crossing-event.schema.ts. When that schema changes, change
 * this file too: test/store/crossing-event.fast-check.test.ts compares the two on thousands of
 * random events and fails if this check accepts anything the schema refuses or changes.
 *
 * For values from JSON.parse only (no `undefined`, no prototypes other than Object's).
 */
export function isCertainlyValidCrossingEvent(value: unknown, now: number): value is CrossingEvent {
  if (!isRecord(value) || !hasOnlyKeys(value, EVENT_KEYS, 6)) return false;
  const { port, lane, direction, timestamp, vehicle, occupants } = value;
  if (typeof port !== 'string' || !PORT_CODE_PATTERN.test(port)) return false;
  if (!oneOf(LANES, lane) || !oneOf(DIRECTIONS, direction)) return false;
  if (typeof timestamp !== 'string' || !DATETIME_WITH_OFFSET.test(timestamp)) return false;
  const at = Date.parse(timestamp);
  if (!(at <= now + MAX_FUTURE_SKEW_MS && at >= EARLIEST_CROSSING_MS)) return false;
  return isCertainlyValidVehicle(vehicle) && areCertainlyValidOccupants(occupants);
}

const EVENT_KEYS = new Set(['port', 'lane', 'direction', 'timestamp', 'vehicle', 'occupants']);
const VEHICLE_KEYS = new Set(['plate', 'plateJurisdiction', 'vin', 'make', 'model', 'year', 'registeredOn', 'ownershipChangedOn']);
const OCCUPANT_KEYS = new Set(['travelerId', 'role', 'documentType', 'trustedTraveler', 'audit']);
const AUDIT_KEYS = new Set(['sex', 'birthYear', 'citizenship']);

// zod's own patterns for z.iso.datetime({ offset: true }) and z.iso.date().
const DATETIME_WITH_OFFSET = z.regexes.datetime({ offset: true });
const DATE = z.regexes.date;
const PLATE = /^[A-Za-z0-9 -]{1,12}$/;
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const CITIZENSHIP = /^[A-Z]{3}$/;

function isCertainlyValidVehicle(vehicle: unknown): boolean {
  if (!isRecord(vehicle) || !hasOnlyKeys(vehicle, VEHICLE_KEYS, 2)) return false;
  const { plate, plateJurisdiction, vin, make, model, year, registeredOn, ownershipChangedOn } = vehicle;
  if (!isTrimmed(plate) || !PLATE.test(plate) || normaliseIdentifier(plate) === '') return false;
  if (typeof plateJurisdiction !== 'string' || !JURISDICTION.test(plateJurisdiction)) return false;
  if (vin !== undefined && (typeof vin !== 'string' || !VIN.test(vin))) return false;
  if (make !== undefined && !isTrimmedText(make, 40)) return false;
  if (model !== undefined && !isTrimmedText(model, 40)) return false;
  if (year !== undefined && !isYear(year)) return false;
  if (registeredOn !== undefined && (typeof registeredOn !== 'string' || !DATE.test(registeredOn))) return false;
  if (ownershipChangedOn !== undefined && (typeof ownershipChangedOn !== 'string' || !DATE.test(ownershipChangedOn))) return false;
  return true;
}

function areCertainlyValidOccupants(occupants: unknown): boolean {
  if (!Array.isArray(occupants) || occupants.length < 1 || occupants.length > MAX_OCCUPANTS) return false;
  let drivers = 0;
  // Normalised traveler ids, to refuse one traveler listed twice (only for more than one occupant).
  const seen = occupants.length > 1 ? new Set<string>() : undefined;
  for (const occupant of occupants as unknown[]) {
    if (!isRecord(occupant) || !hasOnlyKeys(occupant, OCCUPANT_KEYS, 4)) return false;
    const { travelerId, role, documentType, trustedTraveler, audit } = occupant;
    if (!isTrimmedText(travelerId, 64)) return false;
    const normalised = normaliseIdentifier(travelerId);
    if (normalised === '' || seen?.has(normalised) === true) return false;
    seen?.add(normalised);
    if (!oneOf(OCCUPANT_ROLES, role) || !oneOf(DOCUMENT_TYPES, documentType) || typeof trustedTraveler !== 'boolean') return false;
    if (role === 'driver') drivers++;
    if (audit !== undefined) {
      if (!isRecord(audit) || !hasOnlyKeys(audit, AUDIT_KEYS, 0)) return false;
      const { sex, birthYear, citizenship } = audit;
      if (sex !== undefined && !oneOf(SEX_VALUES, sex)) return false;
      if (birthYear !== undefined && !isYear(birthYear)) return false;
      if (citizenship !== undefined && (typeof citizenship !== 'string' || !CITIZENSHIP.test(citizenship))) return false;
    }
  }
  return drivers === 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No unknown key, and at least `atLeast` keys (a cheap early exit; each required key is checked by its own rule). */
function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, atLeast: number): boolean {
  const keys = Object.keys(value);
  if (keys.length < atLeast) return false;
  for (const key of keys) if (!allowed.has(key)) return false;
  return true;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isTrimmed(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.trim() === value;
}

function isTrimmedText(value: unknown, maxLength: number): value is string {
  return isTrimmed(value) && value.length <= maxLength;
}

function isYear(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1900 && value <= 2100;
}
