/**
 * lib/csv.ts on a training-set-shaped file: 35 numeric features, label, weight, ISO timestamp,
 * port and four audit columns (one of them sometimes quoted). Writes it, then reads it back three
 * ways. Prints a table. Scratch files go to $BENCH_DIR (default /tmp/metrics-engineer).
 *
 *   npx tsx test/bench/csv.bench.ts [rows]      (default 1 000 000)
 */
import { createReadStream, createWriteStream, mkdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createCsvParser, createCsvWriter, readCsvFile } from '../../lib/csv.ts';
import { createRandom } from '../../lib/random.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = process.env.BENCH_DIR ?? '/tmp/metrics-engineer';
mkdirSync(dir, { recursive: true });
const path = join(dir, `bench-${rows}.csv`);
const random = createRandom(1);
const header = [...Array.from({ length: 35 }, (_, i) => `feature_${i}`), 'label', 'weight', 'timestamp', 'port', 'sex', 'birthYear', 'ageBand', 'citizenship'];

const table: { step: string; seconds: number; rowsPerSecond: number; mbPerSecond: number }[] = [];
const time = async (step: string, work: () => Promise<number>): Promise<void> => {
  const start = performance.now();
  const count = await work();
  const seconds = (performance.now() - start) / 1000;
  const mb = statSync(path).size / 1e6;
  table.push({ step, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(count / seconds), mbPerSecond: Number((mb / seconds).toFixed(1)) });
};

// A pool of distinct rows, cycled, so that the write step times the writer rather than the random source.
const pool = Array.from({ length: 4096 }, () => {
  const values: (string | number)[] = [];
  for (let i = 0; i < 35; i++) values.push(i % 3 === 0 ? random.int(20) : Math.round(random.next() * 1e6) / 1e6);
  values.push(random.chance(0.02) ? 1 : 0, random.chance(0.05) ? 20 : 1, '2025-03-14T08:15:00-05:00', '2304');
  values.push(random.chance(0.5) ? 'F' : 'M', 1960 + random.int(45), '25-34', random.chance(0.1) ? 'Korea, Republic of' : 'USA');
  return values;
});

await time('write (createCsvWriter)', async () => {
  const writer = createCsvWriter(createWriteStream(path), { header, lineBreak: '\n' });
  for (let r = 0; r < rows; r++) await writer.write(pool[r & 4095] as (string | number)[]);
  await writer.end();
  return rows;
});

await time('read, for await (readCsvFile)', async () => {
  let count = 0;
  let sum = 0;
  for await (const record of readCsvFile(path)) {
    count++;
    sum += record.fields.length;
  }
  if (sum !== count * header.length) throw new Error('field count mismatch');
  return count - 1;
});

await time('read, callback parser (createCsvParser)', async () => {
  let count = 0;
  const parser = createCsvParser(() => count++);
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) parser.push(chunk as string);
  parser.end();
  return count - 1;
});

await time('read + parse numbers (Float32Array features)', async () => {
  const features = new Float32Array(rows * 35);
  let r = -1;
  for await (const { fields } of readCsvFile(path)) {
    if (r >= 0) for (let i = 0; i < 35; i++) features[r * 35 + i] = Number(fields[i]);
    r++;
  }
  return r;
});

console.log(`lib/csv.ts, ${rows} rows × ${header.length} columns, ${(statSync(path).size / 1e6).toFixed(0)} MB (${path})`);
console.table(table);
console.log(`peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
if (!process.env.KEEP) rmSync(path);
