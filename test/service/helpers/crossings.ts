import type { CrossingEvent } from '../../../features/crossing-event.schema.ts';
import { sampleCrossing } from '../../fixtures/crossing-events.ts';

/** The fixed "now" of route tests: 16:00 UTC on 2025-03-01, 45 minutes after the sample crossing. */
export const NOW = Date.parse('2025-03-01T16:00:00Z');

/** The sample crossing with another plate and other travelers, so it has no history of its own. */
export function freshCrossing(tag: string, overrides: Partial<CrossingEvent> = {}): CrossingEvent {
  const base = sampleCrossing();
  return {
    ...base,
    vehicle: { ...base.vehicle, plate: `T${tag}`.slice(0, 12), vin: undefined },
    occupants: base.occupants.map((o, i) => ({ ...o, travelerId: `${tag}-${i}` })),
    ...overrides,
  };
}

/** The same crossing `hours` earlier than the sample's 07:15 Pacific. */
export function hoursEarlier(event: CrossingEvent, hours: number): CrossingEvent {
  const at = Date.parse(event.timestamp) - hours * 3_600_000;
  const local = new Date(at - 8 * 3_600_000).toISOString().slice(0, 19);
  return { ...event, timestamp: `${local}-08:00` };
}
