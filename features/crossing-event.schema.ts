import { z } from 'zod';
import { normaliseIdentifier, repeatedIdentifiers } from '../lib/normalise-identifier.ts';

/**
 * A crossing as the primary-lane console reports it. This schema is the single source of the
 * request type, of the OpenAPI document and of what `import` accepts from an NDJSON file.
 *
 * Raw identifiers (plate, VIN, traveler id) are accepted here and hashed at the store's edge
 * (store/identifiers.ts); audit attributes are accepted here and never reach the extractor
 * (features/feature-input.ts projects them away).
 */

/** Consoles' clocks drift; a crossing reported further ahead than this is a client error. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export const PORT_CODE_PATTERN = /^\d{4}$/;

export const LANES = ['general', 'ready', 'sentri', 'nexus'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export const OCCUPANT_ROLES = ['driver', 'passenger'] as const;
export const DOCUMENT_TYPES = [
  'passport',
  'passport_card',
  'enhanced_drivers_license',
  'border_crossing_card',
  'permanent_resident_card',
  'trusted_traveler_card',
  'visa',
  'other',
] as const;
export const SEX_VALUES = ['female', 'male', 'x', 'unknown'] as const;

export const MAX_OCCUPANTS = 15;

export const portCode = z
  .string()
  .regex(PORT_CODE_PATTERN, { error: 'must be a 4-digit port code' })
  .describe('CBP port code, 4 digits, e.g. 2504 (San Ysidro)');

export const lane = z.enum(LANES).describe('Primary lane the vehicle used');
export const direction = z.enum(DIRECTIONS).describe('inbound (entering) or outbound (leaving)');

/** ISO 8601 with an explicit offset: the offset gives the port's local hour and weekday. */
export const isoTimestampWithOffset = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2025-03-01T07:15:00-08:00' })
  .describe('When the vehicle reached the booth, ISO 8601 with offset');

const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

export const vehicleSchema = z
  .strictObject({
    plate: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(12, { error: 'must be at most 12 characters' })
      .regex(/^[A-Za-z0-9 -]+$/, { error: 'may contain only letters, digits, spaces and hyphens' })
      // Spaces and hyphens are dropped before hashing (lib/normalise-identifier.ts): a plate of
      // nothing else would be the empty plate, one history shared by every such vehicle.
      .refine((plate) => normaliseIdentifier(plate) !== '', { error: 'must contain a letter or digit' })
      .describe('Licence plate as read; stored only as a keyed hash'),
    plateJurisdiction: z
      .string()
      .regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, { error: 'must be a jurisdiction code such as CA or MX-BCN' })
      .describe('Issuing state or country-subdivision, e.g. CA, TX, MX-BCN'),
    vin: z
      .string()
      .regex(/^[A-HJ-NPR-Z0-9]{17}$/, { error: 'must be 17 characters, capital letters (no I, O, Q) and digits' })
      .optional()
      .describe('Vehicle identification number; stored only as a keyed hash'),
    make: z.string().trim().min(1).max(40).optional().describe('Manufacturer (not a model input)'),
    model: z.string().trim().min(1).max(40).optional().describe('Model name (not a model input)'),
    year: z
      .number()
      .int({ error: 'must be an integer year' })
      .min(1900, { error: 'must be 1900 or later' })
      .max(2100, { error: 'must be 2100 or earlier' })
      .optional()
      .describe('Model year'),
    registeredOn: isoDate.optional().describe('Date of the current registration'),
    ownershipChangedOn: isoDate.optional().describe('Date of the last change of owner'),
  })
  .meta({ id: 'Vehicle' });

export const auditSchema = z
  .strictObject({
    sex: z.enum(SEX_VALUES).optional(),
    birthYear: z
      .number()
      .int({ error: 'must be an integer year' })
      .min(1900, { error: 'must be 1900 or later' })
      .max(2100, { error: 'must be 2100 or earlier' })
      .optional(),
    citizenship: z
      .string()
      .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 3166-1 alpha-3 country code, e.g. USA, MEX' })
      .optional(),
  })
  .meta({ id: 'AuditAttributes' })
  .describe('Protected attributes, stored for fairness monitoring only; never a model input');

export const occupantSchema = z
  .strictObject({
    travelerId: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(64, { error: 'must be at most 64 characters' })
      // As for the plate: nothing but spaces and hyphens would hash as one shared traveler.
      .refine((id) => normaliseIdentifier(id) !== '', { error: 'must contain something other than spaces and hyphens' })
      .describe('Document number or traveler identifier; stored only as a keyed hash'),
    role: z.enum(OCCUPANT_ROLES),
    documentType: z.enum(DOCUMENT_TYPES),
    trustedTraveler: z.boolean().describe('Member of a trusted traveler programme (SENTRI, NEXUS, Global Entry)'),
    audit: auditSchema.optional(),
  })
  .meta({ id: 'Occupant' });

const occupantsSchema = z
  .array(occupantSchema)
  .min(1, { error: 'at least one occupant is required', abort: true })
  .max(MAX_OCCUPANTS, { error: `at most ${MAX_OCCUPANTS} occupants are allowed`, abort: true })
  .refine((occupants) => occupants.filter((o) => o.role === 'driver').length === 1, {
    error: 'exactly one driver is required',
  })
  // One traveler listed twice (as `AB-12` and `ab12` too: they hash alike) would count their
  // history twice in the occupants' features and twice in the fairness tables.
  .superRefine((occupants, context) => {
    repeatedIdentifiers(occupants.map((o) => o.travelerId)).forEach((earlier, i) => {
      if (earlier >= 0) context.addIssue({ code: 'custom', path: [i, 'travelerId'], message: `is the traveler of occupants.${earlier} again: list each traveler once` });
    });
  });

/** The structure of a crossing event, without the check against the clock. */
export const crossingEventObject = z
  .strictObject({
    port: portCode,
    lane,
    direction,
    timestamp: isoTimestampWithOffset,
    vehicle: vehicleSchema,
    occupants: occupantsSchema,
  })
  .meta({ id: 'CrossingEvent' });

export type CrossingEvent = z.infer<typeof crossingEventObject>;
export type Occupant = z.infer<typeof occupantSchema>;
export type AuditAttributes = z.infer<typeof auditSchema>;
export type Lane = (typeof LANES)[number];
export type Direction = (typeof DIRECTIONS)[number];

/**
 * The earliest crossing accepted. A mistyped year (0001, 1969) would otherwise be stored and make
 * the vehicle and its travelers look long known to every later crossing (days since first seen at
 * its cap, never seen 0); no port's records reach back further.
 */
export const EARLIEST_CROSSING = '2000-01-01T00:00:00Z';
export const EARLIEST_CROSSING_MS = Date.parse(EARLIEST_CROSSING);

/**
 * The crossing event schema checked against a clock: an event more than five minutes in the
 * future is refused, and so is one before EARLIEST_CROSSING. The clock is passed in so tests and
 * imports of history stay deterministic.
 */
export function crossingEventSchema(now: () => number = Date.now) {
  return crossingEventObject.superRefine((event, ctx) => {
    const at = Date.parse(event.timestamp);
    const current = now();
    if (at > current + MAX_FUTURE_SKEW_MS) {
      // The clock's reading in the message: a console (or a service host) whose clock is off shows at once.
      ctx.addIssue({ code: 'custom', path: ['timestamp'], message: `must not be more than 5 minutes in the future (the time here is ${new Date(current).toISOString()})` });
    } else if (at < EARLIEST_CROSSING_MS) {
      ctx.addIssue({ code: 'custom', path: ['timestamp'], message: `must not be before ${EARLIEST_CROSSING}` });
    }
  });
}
