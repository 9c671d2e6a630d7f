import type { CrossingRecord } from '../../store/history-store.ts';

/** An inbound crossing of vehicle `vehicleKey` driven by `driverKey` at `at`, keys already hashed. */
export function crossingRecord(at: number, vehicleKey = 'vehicle-1', driverKey = 'driver-1'): CrossingRecord {
  return {
    at,
    utcOffsetMinutes: -480,
    port: '2504',
    lane: 'general',
    direction: 'inbound',
    vehicleKey,
    vinKey: null,
    travelers: [{ key: driverKey, isDriver: true }],
  };
}
