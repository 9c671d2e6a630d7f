/**
 * npm run bench:monitor [-- --sizes 1000000,10000000 --repeat 5]
 *
 * Report time of the monitoring routes over 1M and 10M decisions (issue 5: <= 1 s at 10M).
 *
 * 1. Once per size (cached under /tmp/monitor-bench/, keyed by the migrations' contents and this
 *    generator's version): a year of synthetic decisions at ten ports and two model versions
 *    (test/service/monitoring-fixtures.ts: audit attributes of one to four occupants, scores,
 *    35 features on the card's bins, outcomes with 5 % missing, officers' own referrals, and 1 %
 *    corrected outcomes) is written through the aggregate writer, the code path of every
 *    decision-log batch, in batches of 2000 decisions (one transaction each). Raw decision rows
 *    are not written: no report reads them (the export does, and is not timed here).
 * 2. The real app (service/app.ts + monitoring plugin, real ONNX model) opens that file and each
 *    report is requested through app.inject — routing, auth, zod validation and serialisation
 *    included — once to warm up, then `--repeat` times; the table shows the median and the worst.
 *
 * 3. The write path: CPU per decision of the aggregate writer as the decision log drives it
 *    (write inside the batch's transaction, committed after COMMIT), for batches of 1 and 32
 *    decisions, writing every batch's cells at once and writing behind (the default).
 *
 * On a shared machine the numbers move with the neighbours' load.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRandom } from '../../lib/random.ts';
import { buildApp } from '../../service/app.ts';
import { loadConfig } from '../../service/config.ts';
import { createAggregateWriter } from '../../service/monitoring/aggregate-writer.ts';
import { createCardCatalog } from '../../service/monitoring/card-catalog.ts';
import monitoringPlugin from '../../service/monitoring/monitoring.plugin.ts';
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../store/sqlite/database.ts';
import { TEST_ID_KEY, writeTokens } from '../service/helpers/test-app.ts';
import { syntheticDecision, syntheticOutcome, writeMonitoringModel } from '../service/monitoring-fixtures.ts';

const CACHE = '/tmp/monitor-bench';
const GENERATOR_VERSION = 2;
const END = Date.parse('2025-03-01T00:00:00Z');
const DAY = 86_400_000;
const SPAN_DAYS = 365;
const BATCH = 2000;
const THRESHOLD = 0.27; // about 2 % of synthetic scores (0.3 u^4) reach it
const RANDOM_RATE = 0.005; // the service's default RANDOM_REFERRAL_RATE
const PORTS: readonly [string, number][] = [
  ['2504', 24],
  ['2506', 10],
  ['2503', 8],
  ['2604', 7],
  ['2402', 12],
  ['2304', 10],
  ['2305', 8],
  ['0901', 7],
  ['3801', 8],
  ['3004', 6],
];
const SWITCH_DAY = 240; // bench-v1 before, bench-v2 (the production model) after

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '1000000,10000000' }, repeat: { type: 'string', default: '5' } },
});
const sizes = args.sizes.split(',').map(Number);
const repeat = Number(args.repeat);

async function schemaKey(): Promise<string> {
  const hash = createHash('sha256').update(String(GENERATOR_VERSION));
  for (const name of (await readdir(DEFAULT_MIGRATIONS_DIR)).sort()) hash.update(name).update(await readFile(join(DEFAULT_MIGRATIONS_DIR, name)));
  return hash.digest('hex').slice(0, 12);
}

function pickPort(u: number): string {
  const total = PORTS.reduce((s, [, w]) => s + w, 0);
  let at = u * total;
  for (const [port, w] of PORTS) {
    if (at < w) return port;
    at -= w;
  }
  return PORTS[0]![0];
}

/** Writes `size` decisions through the aggregate writer; returns decisions per second. */
async function build(path: string, modelsDir: string, size: number): Promise<number> {
  const db = openDatabase(path, { synchronous: 'OFF' });
  const catalog = createCardCatalog({ modelsDir });
  const writer = createAggregateWriter({ db, layoutFor: (v) => catalog.layout(v) });
  const random = createRandom(size);
  const started = performance.now();
  const step = (SPAN_DAYS * DAY) / size;
  let written = 0;
  while (written < size) {
    const n = Math.min(BATCH, size - written);
    db.transaction(() => {
      const deltas = writer.deltas();
      for (let i = 0; i < n; i++) {
        const at = Math.floor(END - SPAN_DAYS * DAY + (written + i) * step);
        const modelVersion = at < END - (SPAN_DAYS - SWITCH_DAY) * DAY ? 'bench-v1' : 'bench-v2';
        const s = syntheticDecision(random, { at, port: pickPort(random.next()), modelVersion, threshold: THRESHOLD, randomRate: RANDOM_RATE });
        deltas.addDecision(s.decision);
        const outcome = syntheticOutcome(random, s, { missing: 0.05, officerRate: 0.002 });
        if (outcome === null) continue;
        if (random.chance(0.01)) {
          // Reported wrong first, then corrected.
          const wrong = outcome.result === 'seizure' ? ({ referred: true, result: 'no_seizure' } as const) : ({ referred: false, result: null } as const);
          deltas.addOutcome(s.decision, null, wrong);
          deltas.addOutcome(s.decision, wrong, outcome);
        } else deltas.addOutcome(s.decision, null, outcome);
      }
      writer.apply(deltas);
    })();
    written += n;
    if (written % 500_000 === 0) process.stderr.write(`  ${written.toLocaleString('en-US')} decisions written\n`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return size / ((performance.now() - started) / 1000);
}

interface Row {
  decisions: string;
  report: string;
  'median ms': number;
  'max ms': number;
  'response KiB': number;
}

async function measure(size: number, key: string): Promise<{ rows: Row[]; facts: Record<string, string | number> }> {
  const dir = join(CACHE, `${key}-${size}`);
  const path = join(dir, 'referral.db');
  const modelsDir = join(dir, 'models');
  let buildRate: number | null = null;
  if (!existsSync(join(dir, 'done'))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeMonitoringModel(modelsDir, 'bench-v1');
    await writeMonitoringModel(modelsDir, 'bench-v2');
    process.stderr.write(`building ${size.toLocaleString('en-US')} decisions in ${path}\n`);
    buildRate = await build(path, modelsDir, size);
    await writeFile(join(dir, 'done'), new Date().toISOString());
  }
  const tokensFile = join(dir, 'tokens.json');
  const tokens = await writeTokens(tokensFile);
  const env = { REFERRAL_DB: path, MODELS_DIR: modelsDir, MODEL_VERSION: 'bench-v2', REFERRAL_TOKENS_FILE: tokensFile, REFERRAL_ID_KEY: TEST_ID_KEY };
  const clock = (): number => END;
  const app = await buildApp({ config: loadConfig(env), env, logger: false, tokenPollMs: 0, collectProcessMetrics: false, clock });
  if (!app.hasDecorator('monitoring')) await app.register(monitoringPlugin, { clock, modelsDir });
  await app.ready();

  const year = `from=${new Date(END - SPAN_DAYS * DAY).toISOString()}&to=${new Date(END).toISOString()}`;
  const reports: [string, string, string][] = [
    ['performance, year, all ports', '/v1/monitoring/performance', year],
    ['performance, 30 days, one port', '/v1/monitoring/performance', 'port=2504'],
    ['series by port, year, daily', '/v1/monitoring/performance/series', `${year}&step=day&by=port`],
    ['fairness sex', '/v1/monitoring/fairness', `${year}&attributes=sex`],
    ['fairness 3 attrs + intersection', '/v1/monitoring/fairness', `${year}&attributes=sex,ageBand,citizenship`],
    ['fairness 3 attrs, 1000 replicates', '/v1/monitoring/fairness', `${year}&attributes=sex,ageBand,citizenship&replicates=1000`],
    ['fairness 3 attrs, 30 days, one port', '/v1/monitoring/fairness', 'attributes=sex,ageBand,citizenship&port=2504'],
    ['drift, 7 days (production model)', '/v1/monitoring/drift', ''],
    ['drift, bench-v2 all of its days', '/v1/monitoring/drift', `${year}&model=bench-v2`],
    ['/metrics (7-day gauges)', '/metrics', ''],
  ];
  const rows: Row[] = [];
  for (const [name, url, query] of reports) {
    const headers = { authorization: `Bearer ${url === '/metrics' ? tokens.scraper : tokens.oversight}` };
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= repeat; i++) {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url: query === '' ? url : `${url}?${query}`, headers });
      const ms = performance.now() - started;
      if (response.statusCode !== 200) throw new Error(`${url}?${query}: ${response.statusCode} ${response.body.slice(0, 300)}`);
      bytes = response.rawPayload.length;
      if (i > 0) times.push(ms);
    }
    times.sort((a, b) => a - b);
    rows.push({
      decisions: size.toLocaleString('en-US'),
      report: name,
      'median ms': Math.round(times[Math.floor(times.length / 2)]!),
      'max ms': Math.round(times[times.length - 1]!),
      'response KiB': Math.round(bytes / 1024),
    });
  }
  const db = app.storage.databases.read;
  const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const facts = {
    decisions: size.toLocaleString('en-US'),
    'build decisions/s': buildRate === null ? '(cached)' : Math.round(buildRate),
    'decision cells': count('monitor_decision_cells'),
    'group cells': count('monitor_group_cells'),
    'distribution rows': count('monitor_distributions'),
    'file MiB': Math.round(statSync(path).size / 2 ** 20),
  };
  await app.close();
  return { rows, facts };
}

/** CPU µs per decision of writer.write + COMMIT + writer.committed, decisions generated beforehand. */
async function writeCost(): Promise<Record<string, string | number>[]> {
  const dir = join(CACHE, 'write-cost');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeMonitoringModel(join(dir, 'models'), 'bench-v2');
  const rows: Record<string, string | number>[] = [];
  for (const mode of ['every batch', 'write-behind'] as const) {
    const db = openDatabase(join(dir, `${mode === 'every batch' ? 'eager' : 'lazy'}.db`), { synchronous: 'NORMAL' });
    const catalog = createCardCatalog({ modelsDir: join(dir, 'models') });
    const writer = createAggregateWriter({ db, layoutFor: (v) => catalog.layout(v), ...(mode === 'every batch' ? { maxPendingCells: 0 } : {}) });
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const random = createRandom(7);
    let at = END;
    for (const size of [1, 32]) {
      const batches = Array.from({ length: Math.ceil(6000 / size) }, () =>
        Array.from({ length: size }, () => {
          at += 250; // 4 decisions a second across the ports
          return syntheticDecision(random, { at, port: pickPort(random.next()), modelVersion: 'bench-v2', threshold: THRESHOLD, randomRate: RANDOM_RATE }).decision;
        }),
      );
      let cpu = process.cpuUsage();
      let counted = 0;
      batches.forEach((decisions, i) => {
        if (i === 20) cpu = process.cpuUsage();
        const batch = { decisions: decisions as never, outcomes: [], crossings: decisions.length };
        begin.run();
        writer.write(batch);
        commit.run();
        writer.committed(batch);
        if (i >= 20) counted += decisions.length;
      });
      const used = process.cpuUsage(cpu);
      rows.push({ 'aggregate writes': mode, 'decisions per batch': size, 'CPU µs per decision': Math.round((used.user + used.system) / counted) });
    }
    db.close();
  }
  await rm(dir, { recursive: true, force: true });
  return rows;
}

const key = await schemaKey();
const all: Row[] = [];
const facts: Record<string, string | number>[] = [];
for (const size of sizes) {
  const result = await measure(size, key);
  all.push(...result.rows);
  facts.push(result.facts);
}
console.log('\nMonitoring reports through app.inject (median and worst of the repeats, after one warm-up):');
console.table(all);
console.log('Aggregate state:');
console.table(facts);
console.log('Write path (decision-log batch writer; BEGIN/COMMIT without fsync included):');
console.table(await writeCost());
