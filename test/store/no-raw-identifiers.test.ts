import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toCrossingRecord } from '../../store/crossing-record.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { createIdentifierHasher } from '../../store/identifiers.ts';
import { importCrossings } from '../../store/import.ts';
import { openDatabase } from '../../store/sqlite/database.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';

const dir = mkdtempSync(join(tmpdir(), 'no-raw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = Buffer.alloc(32, 3);

// Distinctive values, so a hit cannot be a coincidence in the file's bytes.
const PLATE = 'QZX 4417';
const VIN = '5YJ3E1EA7KF317001';
const DOCUMENTS = ['K88271936Z', 'BCC-55123987'];

function event(minutes: number) {
  const base = sampleCrossing();
  return sampleCrossing({
    timestamp: new Date(Date.parse('2025-03-01T15:15:00Z') + minutes * 60_000).toISOString(),
    vehicle: { ...base.vehicle, plate: PLATE, vin: VIN },
    occupants: base.occupants.map((o, i) => ({ ...o, travelerId: DOCUMENTS[i]! })),
  });
}

/** Every spelling of the identifiers that must not be in the file: as given, normalised, lowercase. */
const forbidden = [PLATE, PLATE.replace(/\s/g, ''), PLATE.toLowerCase(), VIN, ...DOCUMENTS, ...DOCUMENTS.map((d) => d.replace(/-/g, ''))];

function expectNoRawIdentifier(path: string): void {
  const files = [path, `${path}-wal`].filter((file) => existsSync(file));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const value of forbidden) {
      expect(bytes.includes(Buffer.from(value, 'utf8')), `${value} in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(value, 'utf16le')), `${value} (UTF-16) in ${file}`).toBe(false);
    }
  }
}

describe('the SQLite file holds no raw plate, VIN or document number', () => {
  it('after recording crossings and facts through the store (main file and WAL)', async () => {
    const path = join(dir, 'store.db');
    const hasher = createIdentifierHasher(key);
    const store = createSqliteHistoryStore(openDatabase(path));
    const records = Array.from({ length: 50 }, (_, i) => toCrossingRecord(event(i), hasher));
    await store.recordCrossings(records);
    await store.recordFacts([
      { entityKey: records[0]!.vehicleKey, kind: 'referral', delta: 1, recordedAt: records[0]!.at + 1 },
      { entityKey: records[0]!.travelers[0]!.key, kind: 'seizure', delta: 1, recordedAt: records[0]!.at + 1 },
    ]);
    // The search itself must be able to fail: the keyed hashes are in the file.
    const walAndMain = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);
    expect(walAndMain.includes(Buffer.from(records[0]!.vehicleKey))).toBe(true);
    expectNoRawIdentifier(path);
    await store.close();
    expectNoRawIdentifier(path);
  });

  it('after an import, including a rejected line that carried identifiers', async () => {
    const path = join(dir, 'import.db');
    const file = join(dir, 'crossings.ndjson');
    const bad = { ...event(99), port: 'nope' };
    writeFileSync(file, [event(1), event(2), bad].map((e) => JSON.stringify(e)).join('\n') + `\n{"plate": ${PLATE}\n`);
    const store = createSqliteHistoryStore(openDatabase(path));
    const rejected: string[] = [];
    const result = await importCrossings({ path: file, store, identifierKey: key, workerThread: false, onRejected: (l) => rejected.push(...l.reasons) });
    expect(result).toMatchObject({ imported: 2, rejected: 2 });
    // Reasons name fields and rules; they never quote the line (which holds identifiers).
    for (const reason of rejected) for (const value of forbidden) expect(reason).not.toContain(value);
    expectNoRawIdentifier(path);
    await store.close();
  });
});
