-- The decision log (service/decisions/): what the service recommended, why, and what officers
-- then did and found. Owned by the service; written only through the decision log's group commit
-- (service/decisions/decision-log.ts), in the same transaction as the crossing's history rows.
--
-- Append-only: no row is updated or deleted by the service. A correction of an outcome is a new
-- outcome row that names the one it supersedes.
--
-- No raw identifier is stored: vehicle, VIN and traveler keys are the keyed hashes of
-- store/identifiers.ts. Audit attributes are stored for fairness monitoring only.

CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY,             -- commit order
  id TEXT NOT NULL UNIQUE,             -- UUID v7
  decided_at INTEGER NOT NULL,         -- epoch ms, the service's clock
  crossing_at INTEGER NOT NULL,        -- epoch ms, the crossing's timestamp
  utc_offset_minutes INTEGER NOT NULL,
  port TEXT NOT NULL,
  lane TEXT NOT NULL,
  vehicle_key TEXT NOT NULL,
  vin_key TEXT,
  traveler_keys TEXT NOT NULL,         -- JSON array, the event's occupant order
  driver_index INTEGER NOT NULL,       -- index of the driver in traveler_keys and audit
  features BLOB NOT NULL,              -- float32 little-endian, feature spec order
  feature_spec_hash TEXT NOT NULL,
  model_version TEXT NOT NULL,
  score REAL NOT NULL,
  threshold REAL NOT NULL,
  threshold_source TEXT NOT NULL CHECK (threshold_source IN ('model_card', 'port_budget')),
  model_recommendation TEXT NOT NULL CHECK (model_recommendation IN ('refer', 'release')),
  randomly_selected INTEGER NOT NULL CHECK (randomly_selected IN (0, 1)),
  random_referral_rate REAL NOT NULL,  -- the selection probability in force
  referral_propensity REAL NOT NULL,   -- P(recommended for referral | score): 1 or the random rate
  recommendation TEXT NOT NULL CHECK (recommendation IN ('refer', 'release')),
  selection TEXT NOT NULL CHECK (selection IN ('model', 'random', 'none')),
  reasons TEXT NOT NULL,               -- JSON array of {feature, value, contribution, sentence}
  officer_id TEXT NOT NULL,
  token_id TEXT NOT NULL,
  audit TEXT NOT NULL,                 -- JSON array, per occupant {role, sex?, birthYear?, citizenship?}
  driver_sex TEXT,                     -- the driver's audit attributes, for group aggregates
  driver_birth_year INTEGER,
  driver_citizenship TEXT
);
-- Reports and exports by crossing time. No index by port: each index is one more page written per
-- commit, and the budget windows are refilled at start by reading the latest rows backwards.
CREATE INDEX decisions_by_crossing_at ON decisions (crossing_at);

CREATE TABLE outcomes (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,             -- UUID v7
  decision_id TEXT NOT NULL REFERENCES decisions (id),
  recorded_at INTEGER NOT NULL,        -- epoch ms, the service's clock
  observed_at INTEGER NOT NULL,        -- epoch ms, when the action or result happened
  referred INTEGER NOT NULL CHECK (referred IN (0, 1)),
  reason TEXT CHECK (reason IN ('model', 'random', 'officer')),
  result TEXT CHECK (result IN ('seizure', 'no_seizure')),
  items TEXT NOT NULL,                 -- JSON array of {category, quantity, unit}
  supersedes TEXT REFERENCES outcomes (id),
  officer_id TEXT NOT NULL,
  token_id TEXT NOT NULL
);
CREATE INDEX outcomes_by_decision ON outcomes (decision_id, seq);

-- Replies to requests sent with an Idempotency-Key, written in the same transaction as their effect.
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,                 -- token id and route
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,          -- HMAC of the request body: the same key with another body is refused
  status_code INTEGER NOT NULL,
  response TEXT NOT NULL,              -- the JSON reply, replayed verbatim
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
