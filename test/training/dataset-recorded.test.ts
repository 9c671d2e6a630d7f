import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { openDatabase } from '../../store/sqlite/database.ts';
import { exportDataset } from '../../training/dataset.ts';
import { loadLabelledTable } from '../../training/load-dataset.ts';
import { parseTimeRange } from '../../training/time-range.ts';

/**
 * The training set from the service's records: a real SQLite file with the service's migrations
 * (decisions and outcomes), rows inserted as the decision log writes them. Checks which decisions
 * become rows (selective labels), the inverse-propensity weights, corrections, the stored vectors.
 */

let folder: string;
let dbPath: string;
const HOUR = 3_600_000;
const T0 = Date.parse('2025-03-01T15:00:00Z');

interface DecisionFixture {
  id: string;
  at: number;
  selection: 'model' | 'random' | 'none';
  propensity: number;
  /** Outcomes in report order: [referred, result]. */
  outcomes: [0 | 1, 'seizure' | 'no_seizure' | null][];
  specHash?: string;
  driver?: { sex: string; birthYear: number; citizenship: string };
}

const DECISIONS: DecisionFixture[] = [
  // Model referral, seizure: weight 1.
  { id: 'd1', at: T0, selection: 'model', propensity: 1, outcomes: [[1, 'seizure']], driver: { sex: 'female', birthYear: 1980, citizenship: 'USA' } },
  // Random selection at 2 %: weight 50.
  { id: 'd2', at: T0 + HOUR, selection: 'random', propensity: 0.02, outcomes: [[1, 'no_seizure']] },
  // Released: no label.
  { id: 'd3', at: T0 + 2 * HOUR, selection: 'none', propensity: 0.02, outcomes: [[0, null]] },
  // Never reported: no label.
  { id: 'd4', at: T0 + 3 * HOUR, selection: 'model', propensity: 1, outcomes: [] },
  // Referred, result pending.
  { id: 'd5', at: T0 + 4 * HOUR, selection: 'model', propensity: 1, outcomes: [[1, null]] },
  // Corrected: first no_seizure, then seizure. The latest report counts.
  { id: 'd6', at: T0 + 5 * HOUR, selection: 'random', propensity: 0.05, outcomes: [[1, 'no_seizure'], [1, 'seizure']] },
  // Under another feature spec: skipped.
  { id: 'd7', at: T0 + 6 * HOUR, selection: 'model', propensity: 1, outcomes: [[1, 'seizure']], specHash: 'f'.repeat(64) },
  // Officer referral against the recommendation (selection none): left out, counted.
  { id: 'd8', at: T0 + 48 * HOUR, selection: 'none', propensity: 0.02, outcomes: [[1, 'no_seizure']] },
];

function vectorOf(id: string): Float32Array {
  const seed = Number(id.slice(1));
  return Float32Array.from({ length: FEATURE_COUNT }, (_, j) => seed + j / 8);
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'dataset-recorded-test-'));
  dbPath = join(folder, 'service.db');
  const db = openDatabase(dbPath, { synchronous: 'OFF' });
  const insertDecision = db.prepare(`INSERT INTO decisions (id, decided_at, crossing_at, utc_offset_minutes, port, lane, vehicle_key, vin_key,
      traveler_keys, driver_index, features, feature_spec_hash, model_version, score, threshold, threshold_source, model_recommendation,
      randomly_selected, random_referral_rate, referral_propensity, recommendation, selection, reasons, officer_id, token_id, audit,
      driver_sex, driver_birth_year, driver_citizenship)
    VALUES (@id, @at, @at, -480, '2504', 'general', 'vk', NULL, '["tk"]', 0, @features, @hash, 'm1', 0.5, 0.4, 'model_card', @modelRecommendation,
      @random, 0.02, @propensity, 'refer', @selection, '[]', 'officer-1', 'token-1', '[]', @sex, @birthYear, @citizenship)`);
  const insertOutcome = db.prepare(`INSERT INTO outcomes (id, decision_id, recorded_at, observed_at, referred, reason, result, items,
      supersedes, officer_id, token_id) VALUES (@id, @decision, @at, @at, @referred, NULL, @result, '[]', @supersedes, 'officer-1', 'token-1')`);
  for (const d of DECISIONS) {
    const features = vectorOf(d.id);
    insertDecision.run({
      id: d.id,
      at: d.at,
      features: Buffer.from(features.buffer),
      hash: d.specHash ?? FEATURE_SPEC_HASH,
      random: d.selection === 'random' ? 1 : 0,
      propensity: d.propensity,
      selection: d.selection,
      // The model recommended referral exactly when it sent the crossing itself.
      modelRecommendation: d.selection === 'model' ? 'refer' : 'release',
      sex: d.driver?.sex ?? null,
      birthYear: d.driver?.birthYear ?? null,
      citizenship: d.driver?.citizenship ?? null,
    });
    d.outcomes.forEach(([referred, result], k) => {
      insertOutcome.run({
        id: `${d.id}-o${k}`,
        decision: d.id,
        at: d.at + (k + 1) * HOUR,
        referred,
        result,
        supersedes: k === 0 ? null : `${d.id}-o${k - 1}`,
      });
    });
  }
  db.close();
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('dataset from the service records', () => {
  it('keeps the inspected crossings with a result, weighted by inverse selection probability post-stratified by recommendation', async () => {
    const out = join(folder, 'recorded.csv');
    const stats = await exportDataset({ source: { kind: 'db', path: dbPath }, range: parseTimeRange(undefined, undefined), out });
    expect(stats.kind === 'db' && stats.detail).toEqual({ decisions: 8, rows: 3, pending: 1, unlabelled: 2, otherSpec: 1, officerReferrals: 1, randomSelections: 2 });

    const table = await loadLabelledTable(out);
    expect(table.rows).toBe(3);
    expect(Array.from(table.labels)).toEqual([1, 0, 1]); // d1, d2, d6 (corrected to seizure)
    // Design weights 1 (model), 50 and 20 (random at 2 % and 5 %), post-stratified by the model's
    // recommendation over the period's decisions under this spec: the referred stratum holds d1, d4
    // and d5 (3 decisions, labelled weight 1: factor 3), the released one d2, d3, d6 and d8 (4
    // decisions, labelled weight 70: factor 4/70).
    const expected = [1 * 3, (50 * 4) / 70, (20 * 4) / 70];
    Array.from(table.weights).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 10));
    expect(Array.from(table.features.subarray(0, FEATURE_COUNT))).toEqual(Array.from(vectorOf('d1')));
    expect(Array.from(table.features.subarray(2 * FEATURE_COUNT, 3 * FEATURE_COUNT))).toEqual(Array.from(vectorOf('d6')));
    // The port's local time, rebuilt from the stored instant and offset.
    expect(table.timestampTexts[0]).toBe('2025-03-01T07:00:00.000-08:00');
    expect(table.timestamps[0]).toBe(T0);
    expect(table.ports).toEqual(['2504', '2504', '2504']);
    expect(table.groups.sex).toEqual(['female', '', '']);
    expect(table.groups.ageBand).toEqual(['45-54', '', '']);
    expect(table.groups.citizenship).toEqual(['USA', '', '']);
  });

  it('restricts to --from/--to by the crossing instant', async () => {
    const out = join(folder, 'first-day.csv');
    const stats = await exportDataset({ source: { kind: 'db', path: dbPath }, range: parseTimeRange('2025-03-01', '2025-03-01'), out });
    expect(stats.rows).toBe(3);
  });

  it('refuses a file that is not the service database, naming it, and leaves no partial CSV', async () => {
    const other = join(folder, 'other.db');
    const plain = new Database(other);
    plain.exec('CREATE TABLE notes (text TEXT)');
    plain.close();
    const out = join(folder, 'x.csv');
    await expect(exportDataset({ source: { kind: 'db', path: other }, range: parseTimeRange(undefined, undefined), out })).rejects.toThrow(
      `--db ${other} cannot be read as the service's database`,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
