/**
 * npm run dataset -- (--db PATH | --sim DIR) [--from DATE] [--to DATE] --out FILE.csv [--work-dir DIR]
 *
 * Writes the training set: one row per labelled inbound crossing, the feature vector in spec order
 * (columns named after the features), label, weight, timestamp, port and the driver's audit
 * attributes (never features). See training/dataset-columns.ts for every column.
 */
import { existsSync, statSync } from 'node:fs';
import { parseCliArgs, runCli, UsageError } from './cli-args.ts';
import { exportDataset, type DatasetSource } from './dataset.ts';
import { parseTimeRange } from './time-range.ts';

const USAGE = `usage: npm run dataset -- (--db PATH | --sim DIR) [--from DATE] [--to DATE] --out FILE.csv

  --sim DIR     a simulator run (npm run simulate -- --out DIR): every inbound crossing, labelled with the
                ground truth, features computed point in time through a temporary history store
  --db PATH     the service's SQLite database: the inspected crossings with a result, the feature vector
                stored with each decision, weight 1/selection probability for random referrals
  --from DATE   first day (YYYY-MM-DD, UTC) or instant (ISO 8601) to include
  --to DATE     last day to include (YYYY-MM-DD, inclusive) or instant (exclusive)
  --out FILE    the CSV to write (written whole or not at all)
  --work-dir D  where the temporary history store goes for --sim (default: the OS temp directory)`;

async function main(): Promise<void> {
  const { values } = parseCliArgs(process.argv.slice(2), {
    db: { type: 'string' },
    sim: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    'work-dir': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ((values.db === undefined) === (values.sim === undefined)) throw new UsageError('give exactly one of --db PATH and --sim DIR');
  if (values.out === undefined) throw new UsageError('--out FILE.csv is required');
  let source: DatasetSource;
  if (values.sim !== undefined) {
    if (!existsSync(values.sim) || !statSync(values.sim).isDirectory()) throw new UsageError(`--sim ${values.sim} is not a directory`);
    source = { kind: 'sim', dir: values.sim };
  } else {
    if (!existsSync(values.db!)) throw new UsageError(`--db ${values.db} does not exist`);
    source = { kind: 'db', path: values.db! };
  }
  let range;
  try {
    range = parseTimeRange(values.from, values.to);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const started = performance.now();
  const stats = await exportDataset({
    source,
    range,
    out: values.out,
    workDir: values['work-dir'],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [`wrote ${stats.rows.toLocaleString('en-US')} rows (${stats.positives.toLocaleString('en-US')} positive) to ${values.out} in ${seconds} s`];
  if (stats.kind === 'sim') {
    const d = stats.detail;
    lines.push(`from ${d.crossings.toLocaleString('en-US')} crossings, ${d.inbound.toLocaleString('en-US')} inbound (${d.outOfRange.toLocaleString('en-US')} outside --from/--to), ${d.facts.toLocaleString('en-US')} history facts`);
  } else {
    const d = stats.detail;
    lines.push(
      `from ${d.decisions.toLocaleString('en-US')} decisions: ${d.rows} labelled (${d.randomSelections} by random selection), ` +
        `${d.unlabelled} not referred (no label), ${d.pending} awaiting a result, ${d.otherSpec} under another feature spec, ` +
        `${d.officerReferrals} referred by an officer on their own (left out: not a sample of traffic)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (stats.rows === 0) process.stderr.write('dataset: warning: no labelled rows in the period\n');
}

runCli(main, USAGE);
