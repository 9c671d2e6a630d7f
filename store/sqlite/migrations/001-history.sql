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
