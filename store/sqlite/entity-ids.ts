import type { SqliteDatabase } from './database.ts';

/**
 * Keyed hash → integer entity id, with an in-process cache. An id never changes once its row is
 * committed, so cached ids stay right whatever other connections do; ids created inside a
 * transaction that rolls back are forgotten (`rollback`).
 *
 * New ids come from id_sequence 'entity', read at the first new key of a write transaction and
 * written back at its end (`beforeCommit`): under the write lock no other connection can allocate.
 */
export interface EntityIds {
  /** The id of a key already stored, or undefined (reads never create entities). */
  existing(key: string): number | undefined;
  /** The id of a key, created if new. Only inside a write transaction. */
  getOrCreate(key: string): number;
  /** Inside the write transaction, before it commits: records the ids allocated. */
  beforeCommit(): void;
  /** After the transaction committed. */
  committed(): void;
  /** After it rolled back: forgets the ids it created. */
  rolledBack(): void;
}

/**
 * `cache` may be shared by the stores of several connections to one file (the service's read and
 * write connections): an id is the same on every connection once committed, and one the writer
 * created in a transaction still open finds no rows on another connection, as an unknown key would.
 */
export function createEntityIds(db: SqliteDatabase, cacheLimit: number, cache: Map<string, number> = new Map()): EntityIds {
  const ids = cache;
  let created: string[] = [];
  /** Next id to hand out in the running transaction; 0 until its first new key. */
  let nextId = 0;
  const select = db.prepare<[string], number>('SELECT id FROM entity WHERE key = ?').pluck();
  const insert = db.prepare<[string, number]>('INSERT INTO entity (key, id) VALUES (?, ?)');
  const readNext = db.prepare<[], number>("SELECT next_id FROM id_sequence WHERE name = 'entity'").pluck();
  const writeNext = db.prepare<[number]>("UPDATE id_sequence SET next_id = ? WHERE name = 'entity'");

  const remember = (key: string, id: number): void => {
    // Clearing beats LRU bookkeeping here: a miss costs one index seek, and the cache refills.
    if (ids.size >= cacheLimit) ids.clear();
    ids.set(key, id);
  };

  const existing = (key: string): number | undefined => {
    let id = ids.get(key);
    if (id === undefined) {
      id = select.get(key);
      if (id !== undefined) remember(key, id);
    }
    return id;
  };

  return {
    existing,
    getOrCreate: (key) => {
      let id = existing(key);
      if (id === undefined) {
        if (nextId === 0) nextId = readNext.get()!;
        id = nextId++;
        insert.run(key, id);
        remember(key, id);
        created.push(key);
      }
      return id;
    },
    beforeCommit: () => {
      if (nextId !== 0) writeNext.run(nextId);
    },
    committed: () => {
      created = [];
      nextId = 0;
    },
    rolledBack: () => {
      for (const key of created) ids.delete(key);
      created = [];
      nextId = 0;
    },
  };
}
