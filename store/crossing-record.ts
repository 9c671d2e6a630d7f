import type { CrossingEvent } from '../features/crossing-event.schema.ts';
import { utcOffsetMinutes } from '../features/feature-input.ts';
import type { HistoryQuery } from '../features/history.ts';
import type { CrossingRecord } from './history-store.ts';
import type { IdentifierHasher } from './identifiers.ts';

/**
 * A validated crossing event as the store keeps it: identifiers replaced by their keyed hashes,
 * audit attributes and vehicle descriptions left out. This is the edge where raw identifiers stop.
 */
export function toCrossingRecord(event: CrossingEvent, hasher: IdentifierHasher): CrossingRecord {
  const vehicle = event.vehicle;
  return {
    at: Date.parse(event.timestamp),
    utcOffsetMinutes: utcOffsetMinutes(event.timestamp),
    port: event.port,
    lane: event.lane,
    direction: event.direction,
    vehicleKey: hasher.vehicleKey(vehicle.plate, vehicle.plateJurisdiction),
    vinKey: vehicle.vin === undefined ? null : hasher.vinKey(vehicle.vin),
    travelers: event.occupants.map((o) => ({ key: hasher.travelerKey(o.travelerId), isDriver: o.role === 'driver' })),
  };
}

/** The history question a crossing asks: its vehicle and its occupants (in the event's order), before its instant. */
export function toHistoryQuery(record: CrossingRecord): HistoryQuery {
  return { at: record.at, vehicleKey: record.vehicleKey, travelerKeys: record.travelers.map((t) => t.key) };
}
