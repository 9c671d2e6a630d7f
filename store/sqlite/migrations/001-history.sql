-- Crossing history: what the features of a crossing are computed from (features/history.ts).
--
-- Layout, for bounded work per lookup (a vehicle crossing 20 times a day for years costs the same
-- to look up as one crossing once a month):
-- * Identifiers are keyed hashes (store/identifiers.ts), kept once in `entity`; history rows carry
--   the small integer id instead of a 43-character hash.
-- * One entity's crossings are contiguous: WITHOUT ROWID tables clustered on
--   (entity, at, crossing_id). crossing_id grows with insertion, so it orders crossings at the same
--   instant by insertion, as aggregateHistory() does.
-- * Each row carries running values over that entity's rows in (at, crossing_id) order, up to and
--   including the row: `seq` (how many crossings), `first_at`, `last_outbound_at`. A count in a
--   window [t - w, t) is seq(latest row before t) - seq(latest row before t - w): two index seeks,
--   whatever the number of rows in between.
-- * Distinct counts (ports and drivers of a vehicle, vehicles of a traveler) are taken over the
--   latest j <= 32 crossings before t in the window (features/history.ts DISTINCT_SCAN_LIMIT). Each
--   row carries a 32-bit "newness" mask per attribute: bit k is set when the row k places before
--   this one (bit 0 = this row) holds a value that no later row up to this one repeats. The number
--   of distinct values among the latest j rows is then popcount(mask & (2^j - 1)) on the latest
--   row: no scan, whatever the history. An append shifts the previous mask by one, sets bit 0 and
--   clears the bit of the previous occurrence of its value.
-- * An insert that is not the entity's latest (a backfill) shifts the running values of the rows
--   after it (store/sqlite/history-writer.ts does this explicitly rather than in a trigger: a trigger
--   would cost an index seek on every append, and appends are nearly all writes). Live crossings
--   and time-ordered imports append and touch nothing else.
-- No foreign keys on the history rows: their ids come from `entity` in the same transaction, and a
-- parent check would add an index seek per row to every import.

CREATE TABLE entity (
  -- HMAC-SHA256 of a plate, VIN or traveler id, base64url. Never a raw identifier.
  key TEXT PRIMARY KEY,
  -- Allocated from id_sequence 'entity'. Clustered on key (WITHOUT ROWID): one B-tree to insert
  -- into instead of a table and a unique index.
  id INTEGER NOT NULL
) WITHOUT ROWID;

-- Monotonic ids allocated inside write transactions (so two processes never share one).
-- next_id - 1 is also the number of crossings recorded.
CREATE TABLE id_sequence (
  name TEXT PRIMARY KEY,
  next_id INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO id_sequence (name, next_id) VALUES ('entity', 1), ('crossing', 1), ('fact', 1);

-- One row per crossing, clustered by vehicle.
CREATE TABLE vehicle_crossing (
  vehicle_id INTEGER NOT NULL,
  at INTEGER NOT NULL,                 -- epoch ms
  crossing_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,                -- this vehicle's crossings up to and including this one
  first_at INTEGER NOT NULL,           -- this vehicle's first crossing
  last_outbound_at INTEGER,            -- its latest outbound crossing up to and including this one
  outbound INTEGER NOT NULL CHECK (outbound IN (0, 1)),
  port TEXT NOT NULL,
  driver_id INTEGER NOT NULL,          -- entity id of the driver's traveler key
  lane TEXT NOT NULL,
  utc_offset_minutes INTEGER NOT NULL,
  vin_id INTEGER,                      -- entity id of the VIN key, when reported
  port_mask INTEGER NOT NULL,          -- newness mask of `port` over the latest 32 rows (see above)
  driver_mask INTEGER NOT NULL,        -- newness mask of `driver_id`
  PRIMARY KEY (vehicle_id, at, crossing_id)
) WITHOUT ROWID;

-- One row per traveler aboard a crossing, clustered by traveler.
CREATE TABLE traveler_crossing (
  traveler_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  crossing_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  vehicle_id INTEGER NOT NULL,
  is_driver INTEGER NOT NULL CHECK (is_driver IN (0, 1)),
  vehicle_mask INTEGER NOT NULL,       -- newness mask of `vehicle_id`
  PRIMARY KEY (traveler_id, at, crossing_id)
) WITHOUT ROWID;

-- The state after each entity's latest crossing, one row per vehicle (vehicle_latest) and per
-- traveler (traveler_latest): all a lookup at an instant t AFTER that crossing needs (the live case:
-- scoring a new crossing), so it is answered by one seek into a table of one row per entity instead
-- of up to five seeks into the history, whose pages are mostly cold once it outgrows the CPU caches
-- (measured: store/sqlite/history-reader.ts). Lookups at t at or before the latest crossing
-- (training-set rebuilds, backfills) read the history rows as before. The writer updates these rows
-- in the same transaction as the history rows they summarise (store/sqlite/history-writer.ts).
-- * at, seq, first_at, last_outbound_at and the masks: those of the entity's latest history row.
-- * Per window W (24h, 7d, 30d, 365d; 7d and 30d for travelers) a "ladder"
--   (store/sqlite/window-ladder.ts): cW = the entity's crossings at or after s = at + 1 - W, the
--   window's start for the earliest t after `at`; oW_1..oW_8 = offsets from s of the earliest 8 of
--   them, ascending, NULL past the last one listed. For any t > at, the count in [t - W, t) is cW
--   minus the listed offsets below t - 1 - at: exact while the ladder has not run out, else one seek.
--   Columns in the order a lookup reads them (the counts, every window's first offset, then the
--   second...): it usually stops at the second or third offset of each window, so what it reads
--   shares the row's first cache lines (measured: lookups at 10M crossings 3-6% faster than with
--   the columns grouped by window).
CREATE TABLE vehicle_latest (
  vehicle_id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_outbound_at INTEGER,
  port_mask INTEGER NOT NULL,
  driver_mask INTEGER NOT NULL,
  c24h INTEGER NOT NULL, c7d INTEGER NOT NULL, c30d INTEGER NOT NULL, c365d INTEGER NOT NULL,
  o24h_1 INTEGER, o7d_1 INTEGER, o30d_1 INTEGER, o365d_1 INTEGER,
  o24h_2 INTEGER, o7d_2 INTEGER, o30d_2 INTEGER, o365d_2 INTEGER,
  o24h_3 INTEGER, o7d_3 INTEGER, o30d_3 INTEGER, o365d_3 INTEGER,
  o24h_4 INTEGER, o7d_4 INTEGER, o30d_4 INTEGER, o365d_4 INTEGER,
  o24h_5 INTEGER, o7d_5 INTEGER, o30d_5 INTEGER, o365d_5 INTEGER,
  o24h_6 INTEGER, o7d_6 INTEGER, o30d_6 INTEGER, o365d_6 INTEGER,
  o24h_7 INTEGER, o7d_7 INTEGER, o30d_7 INTEGER, o365d_7 INTEGER,
  o24h_8 INTEGER, o7d_8 INTEGER, o30d_8 INTEGER, o365d_8 INTEGER
);

CREATE TABLE traveler_latest (
  traveler_id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  vehicle_mask INTEGER NOT NULL,
  c7d INTEGER NOT NULL, c30d INTEGER NOT NULL,
  o7d_1 INTEGER, o30d_1 INTEGER,
  o7d_2 INTEGER, o30d_2 INTEGER,
  o7d_3 INTEGER, o30d_3 INTEGER,
  o7d_4 INTEGER, o30d_4 INTEGER,
  o7d_5 INTEGER, o30d_5 INTEGER,
  o7d_6 INTEGER, o30d_6 INTEGER,
  o7d_7 INTEGER, o30d_7 INTEGER,
  o7d_8 INTEGER, o30d_8 INTEGER
);

-- Referral and seizure facts about a vehicle or traveler key, with running net totals.
CREATE TABLE history_fact (
  entity_id INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,        -- epoch ms
  fact_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('referral', 'seizure')),
  delta INTEGER NOT NULL CHECK (delta IN (1, -1)),
  referrals INTEGER NOT NULL,          -- net referrals of this entity up to and including this row
  seizures INTEGER NOT NULL,
  PRIMARY KEY (entity_id, recorded_at, fact_id)
) WITHOUT ROWID;
