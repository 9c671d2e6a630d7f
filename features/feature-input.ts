import type { CrossingEvent, Lane } from './crossing-event.schema.ts';

/**
 * What the extractor may see of a crossing. It has no audit attributes, no raw identifiers and
 * no free text by construction: the type has no such fields, and `toFeatureInput` copies only
 * what is listed here. A test proves that changing audit attributes leaves the vector unchanged.
 */
export interface FeatureInput {
  /** The crossing's instant, epoch milliseconds. */
  readonly at: number;
  /** The offset the console sent, so hour and weekday are the port's local ones. */
  readonly utcOffsetMinutes: number;
  readonly lane: Lane;
  readonly vehicle: {
    readonly year: number | undefined;
    /** Epoch ms of 00:00 UTC on the date. */
    readonly registeredOn: number | undefined;
    readonly ownershipChangedOn: number | undefined;
  };
  readonly occupants: readonly FeatureOccupant[];
}

export interface FeatureOccupant {
  readonly isDriver: boolean;
  readonly trustedTraveler: boolean;
}

export function toFeatureInput(event: CrossingEvent): FeatureInput {
  return {
    at: Date.parse(event.timestamp),
    utcOffsetMinutes: utcOffsetMinutes(event.timestamp),
    lane: event.lane,
    vehicle: {
      year: event.vehicle.year,
      registeredOn: parseDate(event.vehicle.registeredOn),
      ownershipChangedOn: parseDate(event.vehicle.ownershipChangedOn),
    },
    occupants: event.occupants.map((o) => ({ isDriver: o.role === 'driver', trustedTraveler: o.trustedTraveler })),
  };
}

const OFFSET_PATTERN = /([+-])(\d{2}):?(\d{2})?$/;

/** Minutes east of UTC from an ISO 8601 timestamp: `Z` is 0, `-08:00` is -480. */
export function utcOffsetMinutes(timestamp: string): number {
  if (timestamp.endsWith('Z') || timestamp.endsWith('z')) return 0;
  const match = OFFSET_PATTERN.exec(timestamp);
  if (!match) return 0;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 60 + Number(match[3] ?? '0'));
}

function parseDate(date: string | undefined): number | undefined {
  return date === undefined ? undefined : Date.parse(`${date}T00:00:00Z`);
}
