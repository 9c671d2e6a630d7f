import type { HistoryStore } from './history-store.ts';
import { unpackRecords } from './import-packing.ts';
import { extendDictionary, type KeyDictionary, type PackedCrossings } from './packed-crossings.ts';

/**
 * Writes an import's packed batches, in order, to a store: through its packed fast path when it
 * has one (the SQLite store), else as CrossingRecord objects. One dictionary per import.
 */
export function writePacked(store: HistoryStore): (packed: PackedCrossings) => Promise<void> {
  const dictionary: KeyDictionary = { keys: [] };
  return async (packed) => {
    extendDictionary(dictionary, packed);
    if (store.recordPackedCrossings) await store.recordPackedCrossings(packed, dictionary);
    else await store.recordCrossings(unpackRecords(packed, dictionary));
  };
}
