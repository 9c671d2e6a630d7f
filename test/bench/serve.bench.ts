/**
 * npm run bench:serve [-- --connections 32 --duration 10 --vehicles 25000 --days 120]
 *
 * Throughput and latency of POST /v1/score on a store of about a million crossings, against a bare
 * Fastify POST route taking the same payloads, in the same run, with autocannon:
 *
 * 1. Once per schema (cached under /tmp/serve-bench/, keyed by the migrations' contents): the simulator writes its crossings; those before the
 *    last two days are imported with the store's import (store/import.ts) into a SQLite file; the
 *    inbound crossings of the last two days become the request payloads, so every request looks up
 *    a real history and none sees itself.
 * 2. Each run copies that file, starts the service (service/server.ts, as `npm start` does) and
 *    the bare server in child processes, so autocannon in this process does not share an event
 *    loop with them (it still shares the machine's two cores: both rows pay that equally).
 * 3. Each target gets a warm-up, then `--duration` seconds at `--connections` connections. The
 *    payloads are sent in time order across both, and repeat later in time once used up (livePayloads).
 *
 * Targets (issue 4): /v1/score at >= 0.35x the bare route's req/s; p99 <= 5 ms at 32 connections.
 * On a shared machine the numbers move with the neighbours' load: compare rows of one run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { createRandom } from '../../lib/random.ts';
import { createSqliteHistoryStore } from '../../store/history-store.sqlite.ts';
import { importCrossings } from '../../store/import.ts';
import { DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../store/sqlite/database.ts';
import { exportMlpToOnnx } from '../../training/onnx/export-mlp.ts';
import { startServerProcess, type ServerProcess } from '../service/helpers/server-process.ts';
import { writeTokens } from '../service/helpers/test-app.ts';
import { writeModelWithCard } from '../service/helpers/test-model.ts';

const ROOT = join(import.meta.dirname, '../..');
const CACHE = '/tmp/serve-bench';
const BENCH_ID_KEY = 'b7'.repeat(32);
const HELD_OUT_DAYS = 2;

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    vehicles: { type: 'string', default: '25000' },
    days: { type: 'string', default: '120' },
    seed: { type: 'string', default: '4242' },
    fsync: { type: 'string', default: 'wal-fsync' },
  },
});
const connections = Number(args.connections);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const simulation = { seed: Number(args.seed), vehicles: Number(args.vehicles), days: Number(args.days) };

interface PreparedStore {
  readonly database: string;
  readonly payloads: string;
  readonly crossings: number;
  readonly payloadCount: number;
}

async function run(command: string, argv: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', command, ...argv], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
}

/** Simulate, split off the last days as payloads, import the rest. Cached by its parameters. */
async function prepareStore(): Promise<PreparedStore> {
  // A schema change (a migration edited or added) invalidates the cached file.
  const migrations = createHash('sha256');
  for (const name of (await readdir(DEFAULT_MIGRATIONS_DIR)).sort()) migrations.update(name).update(await readFile(join(DEFAULT_MIGRATIONS_DIR, name)));
  const key = `seed${simulation.seed}-v${simulation.vehicles}-d${simulation.days}-schema${migrations.digest('hex').slice(0, 10)}`;
  const dir = join(CACHE, key);
  const manifestPath = join(dir, 'store.json');
  if (existsSync(manifestPath)) return JSON.parse(await readFile(manifestPath, 'utf8')) as PreparedStore;

  await mkdir(dir, { recursive: true });
  const simDir = join(dir, 'sim');
  process.stderr.write(`preparing the store once in ${dir}\n`);
  await run('training/simulate.cli.ts', ['--seed', String(simulation.seed), '--vehicles', String(simulation.vehicles), '--days', String(simulation.days), '--out', simDir]);

  // Split: crossings before the last HELD_OUT_DAYS are history; inbound ones after are payloads.
  const lines = createInterface({ input: createReadStream(join(simDir, 'crossings.ndjson')) });
  const historyPath = join(dir, 'history.ndjson');
  const payloadsPath = join(dir, 'payloads.ndjson');
  const history = createWriteStream(historyPath);
  const payloads = createWriteStream(payloadsPath);
  const startDay = Date.parse('2025-01-01T00:00:00Z') / 86_400_000;
  const cutoff = (startDay + simulation.days - HELD_OUT_DAYS) * 86_400_000;
  let payloadCount = 0;
  for await (const line of lines) {
    if (line === '') continue;
    const event = JSON.parse(line) as { timestamp: string; direction: string };
    if (Date.parse(event.timestamp) < cutoff) history.write(`${line}\n`);
    else if (event.direction === 'inbound') {
      payloads.write(`${line}\n`);
      payloadCount++;
    }
  }
  await Promise.all([new Promise((r) => history.end(r)), new Promise((r) => payloads.end(r))]);

  const database = join(dir, 'referral.db');
  const db = openDatabase(database, { synchronous: 'NORMAL' });
  const store = createSqliteHistoryStore(db);
  const result = await importCrossings({
    path: historyPath,
    store,
    identifierKey: Buffer.from(BENCH_ID_KEY, 'hex'),
    onProgress: (p) => process.stderr.write(`  imported ${p.imported.toLocaleString('en-US')} (${Math.round(p.perSecond)}/s)\r`),
  });
  await store.close(); // checkpoints the WAL into the file
  process.stderr.write(`\n  ${result.imported.toLocaleString('en-US')} crossings imported, ${result.rejected} rejected, ${payloadCount} payloads held out\n`);
  const prepared: PreparedStore = { database, payloads: payloadsPath, crossings: result.imported, payloadCount };
  await writeFile(manifestPath, JSON.stringify(prepared, null, 2));
  await rm(simDir, { recursive: true, force: true });
  await rm(historyPath, { force: true });
  return prepared;
}

/** The shipped model when there is one; otherwise a random MLP of the trainer's shape (35-32-16-1). */
async function modelsDirFor(runDir: string): Promise<{ modelsDir: string; version: string }> {
  if (existsSync(join(ROOT, 'models/default/card.json'))) return { modelsDir: join(ROOT, 'models'), version: 'default' };
  const random = createRandom(3);
  const sizes = [FEATURE_COUNT, 32, 16, 1];
  const bytes = exportMlpToOnnx({
    inputNormalization: { mean: new Float32Array(FEATURE_COUNT), std: new Float32Array(FEATURE_COUNT).fill(4) },
    layers: sizes.slice(1).map((units, k) => ({
      weights: Float32Array.from({ length: sizes[k]! * units }, () => random.normal() / Math.sqrt(sizes[k]!)),
      bias: Float32Array.from({ length: units }, () => random.normal() * 0.1),
      activation: k === sizes.length - 2 ? ('linear' as const) : ('relu' as const),
    })),
    calibration: { kind: 'platt', a: 1, b: -3 },
    metadata: { modelVersion: 'bench-mlp', featureSpecHash: FEATURE_SPEC_HASH, featureNames: FEATURE_NAMES },
  });
  const modelsDir = join(runDir, 'models');
  await writeModelWithCard(modelsDir, 'bench-mlp', bytes, 0.1, new Array<number>(FEATURE_COUNT).fill(0));
  return { modelsDir, version: 'bench-mlp' };
}

interface Measured {
  readonly name: string;
  /** Server CPU time per request, µs (user + system of the server process, all threads). */
  readonly cpuMicros: number;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * The request bodies in order, as live traffic: one counter across a target's warm-up and run, and
 * each pass after the first moved HELD_OUT_DAYS later (lap k: timestamps + k × HELD_OUT_DAYS days,
 * offsets kept). Replaying the same instants instead would make every repeated vehicle's crossing
 * older than its latest stored one: a backfill (history-writer.ts), which live traffic never is,
 * so a faster server would be measured on ever more backfills.
 */
function livePayloads(bodies: readonly string[]): () => string {
  let next = 0;
  return () => {
    const i = next++;
    const lap = Math.floor(i / bodies.length);
    const body = bodies[i % bodies.length]!;
    return lap === 0 ? body : body.replace(TIMESTAMP_FIELD, (_, at: string) => `"timestamp":"${shiftTimestamp(at, lap * HELD_OUT_DAYS * 86_400_000)}"`);
  };
}

const TIMESTAMP_FIELD = /"timestamp":"([^"]+)"/;

/** An ISO 8601 date-time with offset, `ms` later, written with the same offset. */
function shiftTimestamp(at: string, ms: number): string {
  const offset = /(Z|[+-]\d{2}:\d{2})$/.exec(at)?.[1];
  if (offset === undefined) throw new Error(`payload timestamp without an offset: ${at}`);
  const offsetMs = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  const local = new Date(Date.parse(at) + ms + offsetMs).toISOString();
  return `${at.includes('.') ? local.slice(0, 23) : local.slice(0, 19)}${offset}`;
}

async function load(
  name: string,
  url: string,
  nextBody: () => string,
  headers: Record<string, string>,
  seconds: number,
  cpuSeconds: () => Promise<number>,
): Promise<Measured> {
  const cpuBefore = await cpuSeconds();
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: nextBody() }) }],
  });
  const cpuAfter = await cpuSeconds();
  return {
    name,
    cpuMicros: ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, result.requests.total),
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Servers this run started: stopped on the way out, even when the run fails, so none is left listening. */
const started = new Set<ServerProcess>();

async function start(env: Record<string, string>, script?: string): Promise<ServerProcess> {
  const server = await startServerProcess(env, 60_000, script);
  started.add(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  started.delete(server);
  server.child.kill('SIGTERM');
  await server.exited;
}

async function main(): Promise<void> {
  const prepared = await prepareStore();
  const runDir = join(CACHE, 'run');
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });
  const database = join(runDir, 'referral.db');
  await copyFile(prepared.database, database);
  const { modelsDir, version } = await modelsDirFor(runDir);
  const tokens = await writeTokens(join(runDir, 'tokens.json'));
  const bodies = (await readFile(prepared.payloads, 'utf8')).split('\n').filter((line) => line !== '');
  const size = (await stat(database)).size;
  process.stderr.write(
    `store: ${prepared.crossings.toLocaleString('en-US')} crossings (${(size / 2 ** 20).toFixed(0)} MiB); ${bodies.length} payloads; model ${version}; ` +
      `${connections} connections, ${warmup} s warm-up + ${duration} s each\n`,
  );

  const bare = await start({}, 'test/bench/serve-bare-server.ts');
  const bareCpu = async (): Promise<number> => ((await (await fetch(`${bare.url}/cpu`)).json()) as { seconds: number }).seconds;
  const bareBodies = livePayloads(bodies);
  await load('warm-up', `${bare.url}/bare`, bareBodies, {}, warmup, bareCpu);
  const bareResult = await load('bare Fastify POST (same payloads)', `${bare.url}/bare`, bareBodies, {}, duration, bareCpu);
  await stop(bare);

  const service = await start({
    REFERRAL_DB: database,
    MODELS_DIR: modelsDir,
    MODEL_VERSION: version,
    REFERRAL_TOKENS_FILE: join(runDir, 'tokens.json'),
    REFERRAL_ID_KEY: BENCH_ID_KEY,
    LOG_LEVEL: 'warn',
    DECISION_LOG_FSYNC: args.fsync!,
  });
  const officer = { authorization: `Bearer ${tokens.officer}` };
  const scrape = async (): Promise<string> => (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${tokens.scraper}` } })).text();
  const serviceCpu = async (): Promise<number> => Number(/^process_cpu_seconds_total (\S+)$/m.exec(await scrape())?.[1] ?? NaN);
  const scoreBodies = livePayloads(bodies);
  await load('warm-up', `${service.url}/v1/score`, scoreBodies, officer, warmup, serviceCpu);
  const scoreResult = await load('POST /v1/score', `${service.url}/v1/score`, scoreBodies, officer, duration, serviceCpu);
  const metrics = await scrape();
  await stop(service);

  const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const batchSize = metric('referral_decision_log_batch_size_sum') / metric('referral_decision_log_batch_size_count');
  const commitMs = (1000 * metric('referral_decision_log_commit_seconds_sum')) / metric('referral_decision_log_commit_seconds_count');

  const rows = [bareResult, scoreResult];
  const pad = (s: string, n: number): string => s.padEnd(n);
  console.log(`\n${pad('target', 36)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('CPU µs/req', 12)}${pad('non-2xx', 9)}errors`);
  for (const r of rows) {
    console.log(
      `${pad(r.name, 36)}${pad(r.requestsPerSecond.toFixed(0), 10)}${pad(String(r.p50), 9)}${pad(String(r.p99), 9)}${pad(r.cpuMicros.toFixed(0), 12)}${pad(String(r.non2xx), 9)}${r.errors}`,
    );
  }
  const ratio = scoreResult.requestsPerSecond / bareResult.requestsPerSecond;
  console.log(`\n/v1/score / bare throughput: ${ratio.toFixed(2)}x (target >= 0.35x)  ${ratio >= 0.35 ? 'met' : 'NOT met'}`);
  console.log(`server CPU per request, bare / score: ${(bareResult.cpuMicros / scoreResult.cpuMicros).toFixed(2)}x (the throughput ratio when both are CPU-bound)`);
  console.log(`/v1/score p99 at ${connections} connections: ${scoreResult.p99} ms (target <= 5 ms)  ${scoreResult.p99 <= 5 ? 'met' : 'NOT met'}`);
  console.log(`decision log (${args.fsync}): ${batchSize.toFixed(1)} writes per group commit on average, ${commitMs.toFixed(2)} ms from flush to durable`);
  console.log('caveat: autocannon and the server share this machine\'s 2 cores with whatever else runs; compare rows of one run.');
}

try {
  await main();
} finally {
  for (const server of started) server.child.kill('SIGKILL');
}
