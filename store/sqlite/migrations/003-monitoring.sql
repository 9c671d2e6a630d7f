-- Monitoring aggregates (service/monitoring/): precision, fairness and drift answered from sums
-- instead of scans of the decision log. Owned by monitoring; written only by its batch writer
-- (service/monitoring/aggregate-writer.ts), inside the decision log's transaction, so they always
-- agree with the decisions and outcomes committed with them.
--
-- Every decision is counted at several levels of time bucket (0 hour, 1 day, 2 week, 3 28-day
-- period; UTC, aligned to the epoch; bucket = epoch ms of the bucket's start, by the crossing's
-- time), so a report over a year reads a few hundred buckets per port and model
-- (service/monitoring/time-buckets.ts). Decision cells and distributions: levels 0-2.
--
-- A row holds the sum of its decisions' contributions under the outcome currently in force
-- (service/monitoring/decision-cells.ts); a correction subtracts the old contribution and adds the
-- new. The column names are the field names of decision-cells.ts.

-- Per decision: referrals, inspections, hits by route, inverse-propensity confusion cells.
CREATE TABLE monitor_decision_cells (
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  port TEXT NOT NULL,
  model_version TEXT NOT NULL,
  decisions INTEGER NOT NULL DEFAULT 0,
  score_sum REAL NOT NULL DEFAULT 0,
  model_referrals INTEGER NOT NULL DEFAULT 0,      -- score >= threshold
  random_selections INTEGER NOT NULL DEFAULT 0,
  random_selection_weight REAL NOT NULL DEFAULT 0, -- Σ 1 / random rate over random selections
  referrals INTEGER NOT NULL DEFAULT 0,            -- recommended for referral (model or random)
  referrals_with_outcome INTEGER NOT NULL DEFAULT 0,
  referrals_inspected INTEGER NOT NULL DEFAULT 0,  -- with an inspection result: label coverage
  referrals_declined INTEGER NOT NULL DEFAULT 0,   -- recommended, officer did not refer
  officer_referrals INTEGER NOT NULL DEFAULT 0,    -- recommended release, officer referred
  inspected_model INTEGER NOT NULL DEFAULT 0,
  seizures_model INTEGER NOT NULL DEFAULT 0,
  inspected_random INTEGER NOT NULL DEFAULT 0,
  seizures_random INTEGER NOT NULL DEFAULT 0,
  inspected_officer INTEGER NOT NULL DEFAULT 0,
  seizures_officer INTEGER NOT NULL DEFAULT 0,
  -- metrics/decision-counts.ts: usable labels by (model recommendation x seizure), rows and
  -- inverse-propensity weights, and the decisions without a usable label.
  tp_rows INTEGER NOT NULL DEFAULT 0,
  fp_rows INTEGER NOT NULL DEFAULT 0,
  fn_rows INTEGER NOT NULL DEFAULT 0,
  tn_rows INTEGER NOT NULL DEFAULT 0,
  tp_weight REAL NOT NULL DEFAULT 0,
  fp_weight REAL NOT NULL DEFAULT 0,
  fn_weight REAL NOT NULL DEFAULT 0,
  tn_weight REAL NOT NULL DEFAULT 0,
  tp_weight_sq REAL NOT NULL DEFAULT 0,
  fp_weight_sq REAL NOT NULL DEFAULT 0,
  fn_weight_sq REAL NOT NULL DEFAULT 0,
  tn_weight_sq REAL NOT NULL DEFAULT 0,
  unlabelled_referred INTEGER NOT NULL DEFAULT 0,
  unlabelled_released INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (level, bucket, port, model_version)
) WITHOUT ROWID;

-- Per group of audit attributes (service/monitoring/audit-groups.ts): the confusion cells of the
-- decisions, counted once per occupant in the occupant's group (the fairness unit), and once per
-- decision in the driver's group (driver_*: the driver-only view). Days, weeks and 28-day periods
-- only (levels 1-3).
CREATE TABLE monitor_group_cells (
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  port TEXT NOT NULL,
  model_version TEXT NOT NULL,
  sex TEXT NOT NULL,                               -- or not_recorded
  age_band TEXT NOT NULL,                          -- 0-17 ... 65+, or not_recorded
  citizenship TEXT NOT NULL,                       -- ISO alpha-3, or not_recorded
  tp_rows INTEGER NOT NULL DEFAULT 0,
  fp_rows INTEGER NOT NULL DEFAULT 0,
  fn_rows INTEGER NOT NULL DEFAULT 0,
  tn_rows INTEGER NOT NULL DEFAULT 0,
  tp_weight REAL NOT NULL DEFAULT 0,
  fp_weight REAL NOT NULL DEFAULT 0,
  fn_weight REAL NOT NULL DEFAULT 0,
  tn_weight REAL NOT NULL DEFAULT 0,
  tp_weight_sq REAL NOT NULL DEFAULT 0,
  fp_weight_sq REAL NOT NULL DEFAULT 0,
  fn_weight_sq REAL NOT NULL DEFAULT 0,
  tn_weight_sq REAL NOT NULL DEFAULT 0,
  unlabelled_referred INTEGER NOT NULL DEFAULT 0,
  unlabelled_released INTEGER NOT NULL DEFAULT 0,
  driver_tp_rows INTEGER NOT NULL DEFAULT 0,
  driver_fp_rows INTEGER NOT NULL DEFAULT 0,
  driver_fn_rows INTEGER NOT NULL DEFAULT 0,
  driver_tn_rows INTEGER NOT NULL DEFAULT 0,
  driver_tp_weight REAL NOT NULL DEFAULT 0,
  driver_fp_weight REAL NOT NULL DEFAULT 0,
  driver_fn_weight REAL NOT NULL DEFAULT 0,
  driver_tn_weight REAL NOT NULL DEFAULT 0,
  driver_tp_weight_sq REAL NOT NULL DEFAULT 0,
  driver_fp_weight_sq REAL NOT NULL DEFAULT 0,
  driver_fn_weight_sq REAL NOT NULL DEFAULT 0,
  driver_tn_weight_sq REAL NOT NULL DEFAULT 0,
  driver_unlabelled_referred INTEGER NOT NULL DEFAULT 0,
  driver_unlabelled_released INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (level, bucket, port, model_version, sex, age_band, citizenship)
) WITHOUT ROWID;

-- Per decision cell: calibration sums and the score and feature histograms on the bins of the
-- model version's card, packed float64 little-endian (service/monitoring/distribution-layout.ts).
CREATE TABLE monitor_distributions (
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  port TEXT NOT NULL,
  model_version TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (level, bucket, port, model_version)
);

-- How far the aggregates have followed the decision log: at start, monitoring rebuilds them from
-- the raw rows when the log holds decisions or outcomes they have not counted (a database from
-- before this migration, or rows written around the decision log).
CREATE TABLE monitor_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  decisions_seq INTEGER NOT NULL,
  outcomes_seq INTEGER NOT NULL,
  rebuilt_at INTEGER
);
INSERT INTO monitor_state (id, decisions_seq, outcomes_seq, rebuilt_at) VALUES (1, 0, 0, NULL);
