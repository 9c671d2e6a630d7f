import type { HistoryCrossing } from '../../features/history.ts';
import type { CrossingRecord } from '../../store/history-store.ts';

/** The reference's (aggregateHistory's) view of a record inserted as the `seq`-th. */
export function toHistoryCrossing(record: CrossingRecord, seq: number): HistoryCrossing {
  return {
    at: record.at,
    seq,
    port: record.port,
    direction: record.direction,
    vehicleKey: record.vehicleKey,
    driverKey: record.travelers.find((t) => t.isDriver)!.key,
    travelerKeys: record.travelers.map((t) => t.key),
  };
}
