import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrossingEvent } from '../../features/crossing-event.schema.ts';
import { toCrossingRecord, toHistoryQuery } from '../../store/crossing-record.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { createIdentifierHasher } from '../../store/identifiers.ts';
import { rampedBatchSize } from '../../store/import-batches.ts';
import { createCrossingLineParser } from '../../store/import-line.ts';
import { importCrossings, type RejectedLine } from '../../store/import.ts';
import { openDatabase } from '../../store/sqlite/database.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';

const dir = mkdtempSync(join(tmpdir(), 'import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = Buffer.alloc(32, 9);
const NOW = Date.parse('2025-06-01T00:00:00Z');
let files = 0;

function crossing(minutes: number, plate: string): CrossingEvent {
  const base = sampleCrossing();
  return sampleCrossing({
    timestamp: new Date(Date.parse('2025-03-01T15:15:00Z') + minutes * 60_000).toISOString().replace('Z', '+00:00'),
    vehicle: { ...base.vehicle, plate },
  });
}

/**
 * A UTF-8 byte-order mark, then lines 1-3 good, 4 not JSON, 5 a schema error, 6 blank, 7 good, 8 in
 * the future, 9 too long, 10 good (CRLF), 11 good without a final newline.
 */
function mixedFile(): { path: string; good: CrossingEvent[]; badPlate: string } {
  const good = [crossing(1, 'GOOD1'), crossing(2, 'GOOD2'), crossing(3, 'GOOD1'), crossing(4, 'GOOD3'), crossing(5, 'GOOD4'), crossing(6, 'GOOD5')];
  const noDriver = { ...crossing(7, 'BAD7'), occupants: sampleCrossing().occupants.map((o) => ({ ...o, role: 'passenger' as const })) };
  const future = { ...crossing(8, 'BAD8'), timestamp: '2025-06-01T00:10:00+00:00' };
  const lines = [
    JSON.stringify(good[0]),
    JSON.stringify(good[1]),
    JSON.stringify(good[2]),
    '{"port": "2504", ',
    JSON.stringify(noDriver),
    '',
    JSON.stringify(good[3]),
    JSON.stringify(future),
    `{"pad": "${'x'.repeat(70_000)}"}`,
    `${JSON.stringify(good[4])}\r`,
    JSON.stringify(good[5]),
  ];
  const path = join(dir, `mixed-${files++}.ndjson`);
  writeFileSync(path, `\uFEFF${lines.join('\n')}`);
  return { path, good, badPlate: 'BAD7' };
}

const EXPECTED_REJECTIONS: RejectedLine[] = [
  { lineNumber: 4, reasons: [expect.stringMatching(/^not valid JSON: /) as unknown as string] },
  { lineNumber: 5, reasons: ['occupants: exactly one driver is required'] },
  { lineNumber: 8, reasons: ["timestamp: must not be more than 5 minutes in the future (the time here is 2025-06-01T00:00:00.000Z)"] },
  { lineNumber: 9, reasons: ['line is longer than 65536 characters'] },
];

describe('importCrossings', () => {
  for (const workerThread of [false, true]) {
    it(`lands the good lines, reports each bad one with its number and reason, and stores nothing of it (worker: ${workerThread})`, async () => {
      const { path, good, badPlate } = mixedFile();
      const store = createSqliteHistoryStore(openDatabase(join(dir, `store-${files++}.db`), { synchronous: 'OFF' }));
      try {
        const rejected: RejectedLine[] = [];
        const progress: number[] = [];
        // Batches of 2 valid lines: a rejected line between good ones must not disturb their batches.
        const result = await importCrossings({
          path,
          store,
          identifierKey: key,
          now: NOW,
          batchSize: 2,
          workerThread,
          onRejected: (line) => rejected.push(line),
          onProgress: (p) => progress.push(p.imported),
        });
        expect(result).toMatchObject({ lines: 11, imported: 6, rejected: 4 });
        expect(rejected).toEqual(EXPECTED_REJECTIONS);
        expect(progress).toEqual([2, 4, 6]);
        expect(await store.countCrossings()).toBe(6);

        const hasher = createIdentifierHasher(key);
        const later = (e: CrossingEvent) => toHistoryQuery({ ...toCrossingRecord(e, hasher), at: Date.parse('2025-03-02T00:00:00Z') });
        expect((await store.historyBefore(later(good[0]!))).vehicle.crossings365d).toBe(2); // GOOD1 crossed twice
        expect((await store.historyBefore(later(good[5]!))).vehicle.crossings365d).toBe(1); // the last line, no newline
        expect((await store.historyBefore(later(crossing(0, badPlate)))).vehicle.firstSeenAt).toBeNull();
        // The driver of every good line was aboard 6 times.
        expect((await store.historyBefore(later(good[0]!))).travelers[0]!.crossings30d).toBe(6);
      } finally {
        await store.close();
      }
    });
  }

  for (const workerThread of [false, true]) {
    it(`starts with firstBatchSize and doubles each batch up to batchSize, rejected lines not counted (worker: ${workerThread})`, async () => {
      const store = createSqliteHistoryStore(openDatabase(join(dir, `store-${files++}.db`), { synchronous: 'OFF' }));
      try {
        const progress: number[] = [];
        // 6 valid lines: batches of 1, 2, then up to 4 (3 left).
        const result = await importCrossings({
          path: mixedFile().path,
          store,
          identifierKey: key,
          now: NOW,
          batchSize: 4,
          firstBatchSize: 1,
          workerThread,
          onProgress: (p) => progress.push(p.imported),
        });
        expect(result).toMatchObject({ imported: 6, rejected: 4 });
        expect(progress).toEqual([1, 3, 6]);
        expect(await store.countCrossings()).toBe(6);
      } finally {
        await store.close();
      }
    });
  }

  it('rampedBatchSize doubles from the first size and stops at the largest', () => {
    expect(Array.from({ length: 8 }, (_, i) => rampedBatchSize(i, 16_384, 1_000_000))).toEqual([
      16_384, 32_768, 65_536, 131_072, 262_144, 524_288, 1_000_000, 1_000_000,
    ]);
    expect(rampedBatchSize(2000, 3, 7)).toBe(7);
    expect(rampedBatchSize(0, 5, 5)).toBe(5);
  });

  it('refuses a batch size that is not a positive integer', async () => {
    const store = createSqliteHistoryStore(openDatabase(join(dir, `store-${files++}.db`)));
    await expect(importCrossings({ path: mixedFile().path, store, identifierKey: key, batchSize: 0 })).rejects.toThrow(
      'batchSize must be a positive integer, got 0',
    );
    await expect(importCrossings({ path: mixedFile().path, store, identifierKey: key, firstBatchSize: 2.5 })).rejects.toThrow(
      'firstBatchSize must be a positive integer, got 2.5',
    );
    await store.close();
  });
});

describe('npm run import', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'store/import.cli.ts', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      env: { ...process.env, REFERRAL_ID_KEY: key.toString('hex'), NODE_ENV: 'test', ...env },
    });

  it('exits 1 and names each rejected line when some lines are bad; 0 when all are good', () => {
    const { path } = mixedFile();
    const db = join(dir, `cli-${files++}.db`);
    // The future check is against the real clock here: line 8 is in 2025, so only 3 lines are bad.
    const run = cli([path, '--db', db, '--batch-size', '2']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^line 4: not valid JSON: /m);
    expect(run.stderr).toMatch(/^line 5: occupants: exactly one driver is required$/m);
    expect(run.stderr).toMatch(/^line 9: line is longer than 65536 characters$/m);
    expect(run.stderr).not.toMatch(/^line 8:/m);
    expect(run.stdout).toMatch(/7 crossings imported, 3 lines rejected, 11 lines/);

    const goodOnly = join(dir, `good-${files++}.ndjson`);
    writeFileSync(goodOnly, `${JSON.stringify(crossing(10, 'OK1'))}\n${JSON.stringify(crossing(11, 'OK2'))}\n`);
    const clean = cli([goodOnly, '--db', db]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/2 crossings imported, 0 lines rejected/);
  });

  it('prints a progress line after each committed batch when stderr is not a terminal, so an import stopped midway can be resumed', () => {
    const path = join(dir, `batches-${files++}.ndjson`);
    writeFileSync(path, [20, 21, 22, 23, 24].map((i) => JSON.stringify(crossing(i, `PROG${i}`))).join('\n') + '\n');
    const run = cli([path, '--db', join(dir, `progress-${files++}.db`), '--batch-size', '2']);
    expect(run.status).toBe(0);
    // Batches of 2, 2, 1 lines: each line says how many lines of the file are recorded.
    const lines = run.stderr.split('\n').filter((l) => / lines, .* imported, /.test(l));
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['2', '4', '5']);
  });

  it('uses REFERRAL_DB when --db is absent, and explains usage errors with exit code 2', () => {
    const goodOnly = join(dir, `good-${files++}.ndjson`);
    writeFileSync(goodOnly, `${JSON.stringify(crossing(12, 'ENV1'))}\n`);
    const db = join(dir, `env-${files++}.db`);
    const run = cli([goodOnly], { REFERRAL_DB: db });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`→ ${db}: 1 crossings imported`);

    expect(cli([]).status).toBe(2);
    expect(cli([join(dir, 'missing.ndjson')]).stderr).toContain('no such file');
    expect(cli([goodOnly, '--batch-size', 'x']).stderr).toContain("--batch-size must be a positive integer, got 'x'");
    const production = cli([goodOnly, '--db', db], { REFERRAL_ID_KEY: '', NODE_ENV: 'production' });
    expect(production.status).toBe(2);
    expect(production.stderr).toMatch(/REFERRAL_ID_KEY is not set and NODE_ENV=production/);
  });
});

describe('createCrossingLineParser', () => {
  const parse = createCrossingLineParser(NOW);

  it('refuses a line that is not JSON without quoting any of it (identifiers must not reach logs)', () => {
    const start = '{"port":"2504","vehicle":{"plate":"7ABC123","plateJurisdiction":"CA"},';
    for (const [text, reason] of [
      // V8 quotes a short line whole, and the part around the error of a longer one.
      ['{"plate":P7ABC12}', "not valid JSON: Unexpected token 'P'"],
      [`${start}"occupants":[{"travelerId":P123456789,"role":"driver"}]}`, "not valid JSON: Unexpected token 'P'"],
      // Cut off after the VIN: the error is at the end of the line (95 characters).
      [`${start}"vin":"1HGCM82633A004352"`, 'not valid JSON: Expected \',\' or \'}\' after property value in JSON at position 95'],
    ] as const) {
      const outcome = parse({ lineNumber: 1, text });
      expect(outcome).toEqual({ kind: 'rejected', reasons: [reason] });
      for (const secret of ['P7ABC12', '7ABC123', 'P123456789', '1HGCM82633A004352']) expect(JSON.stringify(outcome)).not.toContain(secret);
    }
  });

  it('says a missing enum field is missing, where zod alone would call it a wrong value', () => {
    const { lane: _lane, ...withoutLane } = crossing(1, 'NOLANE');
    expect(parse({ lineNumber: 1, text: JSON.stringify(withoutLane) })).toEqual({
      kind: 'rejected',
      reasons: ['lane: is required: one of "general", "ready", "sentri", "nexus"'],
    });
    expect(parse({ lineNumber: 2, text: JSON.stringify({ ...withoutLane, lane: 'fast' }) })).toEqual({
      kind: 'rejected',
      reasons: ['lane: must be one of "general", "ready", "sentri", "nexus"'],
    });
  });
});
