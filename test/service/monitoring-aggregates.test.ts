import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CrossingEvent, Occupant } from '../../features/crossing-event.schema.ts';
import { createRandom } from '../../lib/random.ts';
import { readCsvFile } from '../../lib/csv.ts';
import { binIndex } from '../../metrics/drift.ts';
import { runAudit, type AuditResult } from '../../metrics/audit.ts';
import type { OccupantAudit } from '../../service/decisions/decision-record.ts';
import { createAggregateWriter } from '../../service/monitoring/aggregate-writer.ts';
import { createCardCatalog } from '../../service/monitoring/card-catalog.ts';
import { distributionLayout } from '../../service/monitoring/distribution-layout.ts';
import { rebuildAggregates } from '../../service/monitoring/rebuild.ts';
import { freshCrossing, hoursEarlier, NOW } from './helpers/crossings.ts';
import { buildMonitoringTestApp, type MonitoringTestApp } from './monitoring-fixtures.ts';

/**
 * Decisions scored by the real model over HTTP, outcomes with corrections, then: the incremental
 * aggregates equal a from-scratch recomputation over the raw decision and outcome rows, written
 * here independently of service/monitoring; and the CSV export read by the audit CLI gives the
 * fairness route's group table.
 */

const ROOT = join(import.meta.dirname, '../..');
const HOUR = 3_600_000;
const random = createRandom(2024);
let t: MonitoringTestApp;
const decisionIds: string[] = [];

const SEXES = ['female', 'male', 'x'] as const;
const CITIZENSHIPS = ['USA', 'MEX', 'CAN'] as const;

function crossing(i: number): CrossingEvent {
  const base = freshCrossing(`agg${i}`, { port: i % 3 === 0 ? '2506' : '2504' });
  const occupants: Occupant[] = Array.from({ length: 1 + (i % 3) }, (_, k) => ({
    travelerId: `agg${i}-${k}`,
    role: k === 0 ? 'driver' : 'passenger',
    documentType: 'passport',
    trustedTraveler: i % 4 === 0,
    ...(i % 7 === 3 && k === 1
      ? {}
      : { audit: { sex: SEXES[(i + k) % 3]!, birthYear: 1950 + ((i * 7 + k * 13) % 70), citizenship: CITIZENSHIPS[(i + 2 * k) % 3]! } }),
  }));
  // Spread over about nine days before the sample crossing, across day and week boundaries.
  return hoursEarlier({ ...base, occupants }, (i * 37) % 220);
}

async function outcome(decisionId: string, body: Record<string, unknown>): Promise<void> {
  const response = await t.app.inject({ method: 'POST', url: '/v1/outcomes', headers: t.auth('officer'), payload: { decisionId, ...body } });
  expect(response.statusCode, response.body).toBe(200);
}

const seizure = { result: 'seizure', items: [{ category: 'cocaine', quantity: 1.5, unit: 'kg' }] };

beforeAll(async () => {
  t = await buildMonitoringTestApp({ clock: () => NOW, uniform: () => random.next(), env: { RANDOM_REFERRAL_RATE: '0.3' } });
  const decisions: { id: string; recommendation: string; selection: string }[] = [];
  for (let i = 0; i < 48; i++) {
    const response = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: crossing(i) });
    expect(response.statusCode, response.body).toBe(200);
    const reply = response.json<{ decisionId: string; recommendation: string; selection: string }>();
    decisions.push({ id: reply.decisionId, recommendation: reply.recommendation, selection: reply.selection });
    decisionIds.push(reply.decisionId);
  }
  expect(decisions.some((d) => d.selection === 'random')).toBe(true);
  expect(decisions.some((d) => d.selection === 'model')).toBe(true);
  expect(decisions.some((d) => d.recommendation === 'release')).toBe(true);
  // Outcomes, then corrections (a new outcome superseding the one in force), some twice.
  for (const [i, d] of decisions.entries()) {
    if (i % 5 === 0) continue;
    if (d.recommendation === 'refer') {
      const reason = d.selection === 'random' ? 'random' : 'model';
      await outcome(d.id, i % 4 === 1 ? { referred: false } : { referred: true, reason, ...(i % 3 === 0 ? seizure : { result: 'no_seizure' }) });
    } else if (i % 4 === 1) {
      await outcome(d.id, { referred: true, reason: 'officer', ...(i % 3 === 1 ? seizure : { result: 'no_seizure' }) });
    } else {
      await outcome(d.id, { referred: false });
    }
  }
  for (const [i, d] of decisions.entries()) {
    if (i % 5 === 0 || i % 2 !== 0) continue;
    if (d.recommendation === 'refer') await outcome(d.id, { referred: true, reason: 'model', ...(i % 3 === 0 ? { result: 'no_seizure' } : seizure) });
    else await outcome(d.id, { referred: true, reason: 'officer', result: 'no_seizure' });
    if (i % 4 === 0) await outcome(d.id, { referred: false });
  }
  // Written, then one more correction that stays pending in memory (the writer writes behind).
  t.app.monitoringAggregates.flush();
  await outcome(decisions[3]!.id, { referred: false });
});
afterAll(async () => {
  await t?.close();
});

interface RawDecision {
  id: string;
  crossing_at: number;
  port: string;
  model_version: string;
  score: number;
  model_recommendation: string;
  randomly_selected: number;
  random_referral_rate: number;
  referral_propensity: number;
  recommendation: string;
  audit: string;
  referred: number | null;
  result: string | null;
}

/** Every decision with its latest outcome, straight from the decision log's tables. */
function rawDecisions(): RawDecision[] {
  return t.app.storage.databases.read
    .prepare<[], RawDecision>(
      `SELECT d.id, d.crossing_at, d.port, d.model_version, d.score, d.model_recommendation, d.randomly_selected, d.random_referral_rate,
         d.referral_propensity, d.recommendation, d.audit, o.referred, o.result
       FROM decisions d LEFT JOIN outcomes o ON o.id = (SELECT id FROM outcomes WHERE decision_id = d.id ORDER BY recorded_at DESC, seq DESC LIMIT 1)`,
    )
    .all();
}

const SIZES = [HOUR, 24 * HOUR, 7 * 24 * HOUR, 28 * 24 * HOUR];

/** The aggregates by definition, one decision at a time (no code shared with service/monitoring). */
function recompute(rows: readonly RawDecision[]) {
  const cells = new Map<string, Record<string, number>>();
  const groups = new Map<string, Record<string, number>>();
  const add = (map: Map<string, Record<string, number>>, key: string, values: Record<string, number>): void => {
    const cell = map.get(key) ?? {};
    for (const [k, v] of Object.entries(values)) cell[k] = (cell[k] ?? 0) + v;
    map.set(key, cell);
  };
  for (const d of rows) {
    const modelRefers = d.model_recommendation === 'refer';
    const random = d.randomly_selected === 1;
    const referred = d.recommendation === 'refer';
    const has = d.referred !== null;
    const inspected = d.result !== null;
    const hit = d.result === 'seizure' ? 1 : 0;
    const officer = !referred && d.referred === 1;
    const usable = inspected && (modelRefers || random);
    const w = 1 / d.referral_propensity;
    const cell = usable ? (modelRefers ? (hit ? 'tp' : 'fp') : hit ? 'fn' : 'tn') : null;
    const counts: Record<string, number> = cell === null ? { [modelRefers ? 'unlabelled_referred' : 'unlabelled_released']: 1 } : { [`${cell}_rows`]: 1, [`${cell}_weight`]: w, [`${cell}_weight_sq`]: w * w };
    const values: Record<string, number> = {
      decisions: 1,
      score_sum: d.score,
      model_referrals: modelRefers ? 1 : 0,
      random_selections: random ? 1 : 0,
      random_selection_weight: random ? 1 / d.random_referral_rate : 0,
      referrals: referred ? 1 : 0,
      referrals_with_outcome: referred && has ? 1 : 0,
      referrals_inspected: referred && inspected ? 1 : 0,
      referrals_declined: referred && d.referred === 0 ? 1 : 0,
      officer_referrals: officer ? 1 : 0,
      inspected_model: modelRefers && inspected ? 1 : 0,
      seizures_model: modelRefers ? hit : 0,
      inspected_random: random && inspected ? 1 : 0,
      seizures_random: random ? hit : 0,
      inspected_officer: officer && inspected ? 1 : 0,
      seizures_officer: officer ? hit : 0,
      ...counts,
    };
    const year = new Date(d.crossing_at).getUTCFullYear();
    const driverCounts = Object.fromEntries(Object.entries(counts).map(([k, v]) => [`driver_${k}`, v]));
    for (const [level, size] of SIZES.entries()) {
      const bucket = Math.floor(d.crossing_at / size) * size;
      // Decision cells: hours, days, weeks; group cells: days, weeks, 28-day periods.
      if (level <= 2) add(cells, `${level}|${bucket}|${d.port}|${d.model_version}`, values);
      if (level === 0) continue;
      for (const o of JSON.parse(d.audit) as OccupantAudit[]) {
        const age = o.birthYear === undefined ? null : year - o.birthYear;
        const band = age === null ? 'not_recorded' : age < 18 ? '0-17' : age < 25 ? '18-24' : age < 65 ? `${Math.floor((age - 5) / 10) * 10 + 5}-${Math.floor((age - 5) / 10) * 10 + 14}` : '65+';
        const key = `${level}|${bucket}|${d.port}|${d.model_version}|${o.sex ?? 'not_recorded'}|${band}|${o.citizenship ?? 'not_recorded'}`;
        add(groups, key, counts);
        if (o.role === 'driver') add(groups, key, driverCounts);
      }
    }
  }
  return { cells, groups };
}

function stored(table: 'monitor_decision_cells' | 'monitor_group_cells', app = t.app): Map<string, Record<string, number>> {
  const rows = app.storage.databases.read.prepare(`SELECT * FROM ${table}`).all() as Record<string, string | number>[];
  const keys = table === 'monitor_decision_cells' ? ['level', 'bucket', 'port', 'model_version'] : ['level', 'bucket', 'port', 'model_version', 'sex', 'age_band', 'citizenship'];
  return new Map(
    rows.map((row) => [
      keys.map((k) => row[k]).join('|'),
      Object.fromEntries(Object.entries(row).filter(([k, v]) => !keys.includes(k) && v !== 0)) as Record<string, number>,
    ]),
  );
}

function expectSameCells(actual: Map<string, Record<string, number>>, expected: Map<string, Record<string, number>>): void {
  const nonZero = (m: Map<string, Record<string, number>>) =>
    new Map([...m].map(([k, v]) => [k, Object.fromEntries(Object.entries(v).filter(([, x]) => Math.abs(x) > 1e-9))] as const).filter(([, v]) => Object.keys(v).length > 0));
  const a = nonZero(actual);
  const e = nonZero(expected);
  expect([...a.keys()].sort()).toEqual([...e.keys()].sort());
  for (const [key, values] of e) {
    const got = a.get(key)!;
    expect(Object.keys(got).sort(), key).toEqual(Object.keys(values).sort());
    for (const [field, value] of Object.entries(values)) expect(got[field], `${key} ${field}`).toBeCloseTo(value, 9);
  }
}

async function reports(): Promise<unknown[]> {
  const urls = [
    '/v1/monitoring/performance?from=2025-02-01',
    '/v1/monitoring/performance/series?from=2025-02-01&step=day&by=port',
    '/v1/monitoring/fairness?from=2025-02-01&attributes=sex,ageBand,citizenship&minCount=5',
    '/v1/monitoring/fairness?from=2025-02-01&attributes=citizenship&unit=driver&minCount=5',
    '/v1/monitoring/drift?from=2025-02-01&minCount=5',
    '/v1/monitoring/dimensions?from=2025-02-01',
  ];
  return Promise.all(urls.map(async (url) => (await t.app.inject({ method: 'GET', url, headers: t.auth('oversight') })).json()));
}

describe('aggregates', () => {
  test('reports count the changes still pending in memory: the same before and after they are written', async () => {
    const before = await reports();
    expect(t.app.monitoringAggregates.pendingCells()).toBeGreaterThan(0);
    t.app.monitoringAggregates.flush();
    expect(t.app.monitoringAggregates.pendingCells()).toBe(0);
    const after = await reports();
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
  });

  test('equal a from-scratch recomputation over the raw decision and outcome rows, corrections included', () => {
    t.app.monitoringAggregates.flush();
    const rows = rawDecisions();
    expect(rows.length).toBe(48);
    const corrected = t.app.storage.databases.read.prepare('SELECT count(*) AS n FROM outcomes WHERE supersedes IS NOT NULL').get() as { n: number };
    expect(corrected.n).toBeGreaterThan(10);
    const expected = recompute(rows);
    expectSameCells(stored('monitor_decision_cells'), expected.cells);
    expectSameCells(stored('monitor_group_cells'), expected.groups);
  });

  test('score histograms and calibration sums per bucket equal the raw rows binned on the card\u2019s edges', () => {
    t.app.monitoringAggregates.flush();
    const layout = distributionLayout(t.app.model.card);
    const rows = rawDecisions();
    const blobs = t.app.storage.databases.read.prepare('SELECT level, bucket, port, model_version, data FROM monitor_distributions').all() as {
      level: number;
      bucket: number;
      port: string;
      model_version: string;
      data: Buffer;
    }[];
    expect(blobs.length).toBeGreaterThan(3);
    for (const blob of blobs) {
      const inCell = rows.filter((d) => d.port === blob.port && Math.floor(d.crossing_at / SIZES[blob.level]!) * SIZES[blob.level]! === blob.bucket);
      const values = Array.from({ length: blob.data.length / 8 }, (_, i) => blob.data.readDoubleLE(i * 8));
      expect(values.length).toBe(layout.length);
      const scoreBins = new Array<number>(layout.score.edges.length + 1).fill(0);
      for (const d of inCell) scoreBins[binIndex(layout.score.edges, d.score)]! += 1;
      expect(values.slice(layout.score.offset, layout.score.offset + scoreBins.length)).toEqual(scoreBins);
      // Calibration rows: decisions with a usable label, by score tenth.
      const calibrationRows = new Array<number>(10).fill(0);
      for (const d of inCell) {
        if (d.result !== null && (d.model_recommendation === 'refer' || d.randomly_selected === 1)) calibrationRows[Math.min(9, Math.floor(d.score * 10))]! += 1;
      }
      expect(values.filter((_, i) => i < 60 && i % 6 === 0).map((v) => Math.round(v))).toEqual(calibrationRows);
    }
  });

  test('a rebuild from the raw rows reproduces the incremental aggregates', () => {
    t.app.monitoringAggregates.flush();
    const before = { cells: stored('monitor_decision_cells'), groups: stored('monitor_group_cells') };
    const db = t.app.storage.databases.write;
    const catalog = createCardCatalog({ cards: [t.app.model.card] });
    const result = rebuildAggregates(db, createAggregateWriter({ db, layoutFor: (v) => catalog.layout(v) }), { chunk: 7 });
    expect(result.decisions).toBe(48);
    expect(result.outcomes).toBe((t.app.storage.databases.read.prepare('SELECT count(*) AS n FROM outcomes').get() as { n: number }).n);
    expectSameCells(stored('monitor_decision_cells'), before.cells);
    expectSameCells(stored('monitor_group_cells'), before.groups);
    const state = t.app.storage.databases.read.prepare('SELECT decisions_seq, outcomes_seq FROM monitor_state').get() as { decisions_seq: number; outcomes_seq: number };
    expect(state.decisions_seq).toBe(48);
    expect(state.outcomes_seq).toBe((t.app.storage.databases.read.prepare('SELECT max(seq) AS n FROM outcomes').get() as { n: number }).n);
  });

  test('the performance report counts each decision once, with the outcome in force', async () => {
    const rows = rawDecisions();
    const report = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/performance?from=2025-02-01', headers: t.auth('oversight') })).json();
    const modelInspected = rows.filter((d) => d.model_recommendation === 'refer' && d.result !== null);
    expect(report.decisions).toBe(48);
    expect(report.hitRates.model.denominator).toBe(modelInspected.length);
    expect(report.hitRates.model.numerator).toBe(modelInspected.filter((d) => d.result === 'seizure').length);
    expect(report.labelCoverage.numerator).toBe(rows.filter((d) => d.recommendation === 'refer' && d.result !== null).length);
    expect(report.officerReferrals).toBe(rows.filter((d) => d.recommendation === 'release' && d.referred === 1).length);
  });
});

describe('after a crash', () => {
  test('the changes that were pending are replayed from the decision log at the next start', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'referral-monitoring-crash-'));
    try {
      // What a killed process leaves on disk: the database file and its WAL, with changes pending in memory lost.
      await t.app.inject({ method: 'POST', url: '/v1/outcomes', headers: t.auth('officer'), payload: { decisionId: decisionIds[7], referred: true, reason: 'officer', result: 'no_seizure' } });
      expect(t.app.monitoringAggregates.pendingCells()).toBeGreaterThan(0);
      await cp(t.dir, copy, { recursive: true });
      const state = t.app.storage.databases.read.prepare('SELECT decisions_seq, outcomes_seq FROM monitor_state').get() as { outcomes_seq: number };
      const lastOutcome = (t.app.storage.databases.read.prepare('SELECT max(seq) AS n FROM outcomes').get() as { n: number }).n;
      expect(state.outcomes_seq).toBeLessThan(lastOutcome);
      const restarted = await buildMonitoringTestApp({ clock: () => NOW, dir: copy });
      try {
        const marks = restarted.app.storage.databases.read.prepare('SELECT outcomes_seq FROM monitor_state').get() as { outcomes_seq: number };
        expect(marks.outcomes_seq).toBe(lastOutcome);
        const expected = recompute(rawDecisions());
        expectSameCells(stored('monitor_decision_cells', restarted.app), expected.cells);
        expectSameCells(stored('monitor_group_cells', restarted.app), expected.groups);
      } finally {
        await restarted.close();
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('decision export', () => {
  async function exportCsv(rows: 'decision' | 'occupant'): Promise<string> {
    const response = await t.app.inject({ method: 'GET', url: `/v1/decisions/export?from=2025-02-01&to=2025-03-02&rows=${rows}`, headers: t.auth('oversight') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="decisions-20250201T000000-20250302T000000\.csv"$/);
    return response.body;
  }

  async function fairness(unit: 'occupant' | 'driver') {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/monitoring/fairness?from=2025-02-01&to=2025-03-02&attributes=sex,citizenship&unit=${unit}&replicates=1000&seed=1&minCount=5`,
      headers: t.auth('oversight'),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ tables: AuditResult['tables'] }>();
  }

  function expectSameTables(api: AuditResult['tables'], audit: AuditResult['tables']): void {
    expect(audit.length).toBe(api.length);
    api.forEach((table, ti) => {
      const other = audit[ti]!;
      expect(other.groups.map((g) => g.label)).toEqual(table.groups.map((g) => g.label));
      expect(other.reference.label).toBe(table.reference.label);
      table.groups.forEach((g, gi) => {
        const o = other.groups[gi]!;
        expect(o.decisions).toBe(g.decisions);
        expect(o.referrals).toBe(g.referrals);
        expect(o.counts.labelledRows).toEqual(g.counts.labelledRows);
        for (const [metric, estimate] of Object.entries(g.metrics)) {
          const mine = o.metrics[metric as keyof typeof g.metrics];
          if (estimate.value === null) expect(mine.value, `${g.label} ${metric}`).toBeNull();
          else expect(mine.value, `${g.label} ${metric}`).toBeCloseTo(estimate.value, 9);
        }
        for (const [metric, disparity] of Object.entries(g.disparities)) {
          const mine = o.disparities[metric as keyof typeof g.disparities];
          expect(mine.status, `${g.label} ${metric}`).toBe(disparity.status);
          if (disparity.ratio !== null) expect(mine.ratio).toBeCloseTo(disparity.ratio, 9);
        }
      });
      expect(other.outcomeTest.chiSquare).toBe(table.outcomeTest.chiSquare);
    });
  }

  test('the CSV holds every decision with its current outcome, and no identifier', async () => {
    const csv = await exportCsv('decision');
    const path = join(t.dir, 'decisions.csv');
    await writeFile(path, csv);
    const records: string[][] = [];
    for await (const record of readCsvFile(path)) records.push(record.fields);
    const [header, ...rows] = records;
    expect(header).toContain('label');
    expect(rows.length).toBe(48);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(decisionIds));
    const at = (row: string[], column: string): string => row[header!.indexOf(column)]!;
    const raw = new Map(rawDecisions().map((d) => [d.id, d]));
    for (const row of rows) {
      const d = raw.get(row[0]!)!;
      expect(at(row, 'outcome_result')).toBe(d.result ?? '');
      expect(at(row, 'model_referral')).toBe(d.model_recommendation === 'refer' ? '1' : '0');
      expect(Number(at(row, 'score'))).toBe(d.score);
      expect(at(row, 'unit_role')).toBe('driver');
    }
    for (const forbidden of ['vehicle_key', 'traveler_keys', 'features', 'reasons', 'birth_year']) expect(header).not.toContain(forbidden);
    // Crossing-time order.
    const times = rows.map((r) => Date.parse(at(r, 'crossing_at')));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test('npm run audit on the occupant export prints the fairness route\u2019s table (unit=occupant)', async () => {
    const path = join(t.dir, 'occupants.csv');
    await writeFile(path, await exportCsv('occupant'));
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'metrics/audit.cli.ts', '--input', path, '--label', 'label', '--prediction', 'model_referral', '--weight', 'ipw_weight', '--attributes', 'sex,citizenship', '--min-count', '5', '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const audit = JSON.parse(cli.stdout) as AuditResult;
    expect(audit.rows).toBe(rawDecisions().reduce((s, d) => s + (JSON.parse(d.audit) as unknown[]).length, 0));
    expectSameTables((await fairness('occupant')).tables, audit.tables);
  });

  test('the audit on the decision export gives the driver-only table (unit=driver)', async () => {
    const path = join(t.dir, 'drivers.csv');
    await writeFile(path, await exportCsv('decision'));
    let out = '';
    const code = await runAudit(
      ['--input', path, '--label', 'label', '--prediction', 'model_referral', '--weight', 'ipw_weight', '--attributes', 'sex,citizenship', '--min-count', '5', '--json'],
      { stdout: (s) => (out += s), stderr: (s) => (out += s) },
    );
    expect(code, out).toBe(0);
    expectSameTables((await fairness('driver')).tables, (JSON.parse(out) as AuditResult).tables);
  });
});
