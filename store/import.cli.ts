import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSqliteHistoryStore } from './history-store.sqlite.ts';
import { resolveIdentifierKey } from './identifiers.ts';
import { DEFAULT_IMPORT_BATCH_SIZE, FIRST_IMPORT_BATCH_SIZE, IMPORT_DATABASE_OPTIONS, importCrossings, type ImportProgress } from './import.ts';
import { databasePathFromEnv, openDatabase } from './sqlite/database.ts';

/**
 * npm run import -- FILE.ndjson [--db PATH] [--batch-size N]
 *
 * Exit codes: 0 every line imported; 1 some lines rejected (the others were imported);
 * 2 usage error or failure (nothing more is imported after a failure).
 */
const USAGE = `usage: npm run import -- FILE.ndjson [--db PATH] [--batch-size N]
  --db PATH         SQLite file (default: $REFERRAL_DB or data/referral.db)
  --batch-size N    valid lines per transaction, at most (default ${DEFAULT_IMPORT_BATCH_SIZE}; the first ones
                    start at ${FIRST_IMPORT_BATCH_SIZE} and double, so writing starts early)
  REFERRAL_ID_KEY   identifier key (hex or base64, >= 32 bytes); a development key is used, with a warning, when unset`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { db: { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) {
    console.error(`expected one NDJSON file, got ${args.positionals.length}\n${USAGE}`);
    return 2;
  }
  const path = args.positionals[0]!;
  if (!existsSync(path)) {
    console.error(`no such file: ${path}`);
    return 2;
  }
  const batchText = args.values['batch-size'];
  const batchSize = batchText === undefined ? DEFAULT_IMPORT_BATCH_SIZE : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    console.error(`--batch-size must be a positive integer, got '${batchText}'`);
    return 2;
  }
  const dbPath = args.values.db ?? databasePathFromEnv(process.env);
  let identifierKey: Buffer;
  try {
    identifierKey = resolveIdentifierKey(process.env, (message) => console.error(`warning: ${message}`));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }

  const store = createSqliteHistoryStore(openDatabase(dbPath, IMPORT_DATABASE_OPTIONS));
  const progressLine = createProgressLine();
  try {
    const result = await importCrossings({
      path,
      store,
      identifierKey,
      batchSize,
      onRejected: (line) => {
        progressLine.clear();
        console.error(`line ${line.lineNumber}: ${line.reasons.join('; ')}`);
      },
      onProgress: (progress) => progressLine.update(progress),
    });
    progressLine.finish(result);
    console.log(
      `${path} → ${dbPath}: ${result.imported} crossings imported, ${result.rejected} ${result.rejected === 1 ? 'line' : 'lines'} rejected, ` +
        `${result.lines} lines in ${(result.elapsedMs / 1000).toFixed(1)} s (${Math.round(result.perSecond)} crossings/s)`,
    );
    return result.rejected > 0 ? 1 : 0;
  } catch (error) {
    progressLine.clear();
    console.error(`import failed: ${(error as Error).message}`);
    return 2;
  } finally {
    await store.close();
  }
}

/**
 * One progress line on stderr after each committed batch: rewritten in place on a terminal, a line
 * of its own otherwise. Every batch is printed, so the last line of an import that stopped midway
 * (kill, crash) says how many lines of the file are recorded, and the rest can be imported alone.
 */
function createProgressLine() {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  const text = (p: ImportProgress): string =>
    `${p.lines.toLocaleString('en-US')} lines, ${p.imported.toLocaleString('en-US')} imported, ${p.rejected} rejected, ` +
    `${Math.round(p.perSecond).toLocaleString('en-US')} crossings/s`;
  return {
    update(p: ImportProgress): void {
      if (tty) {
        process.stderr.write(`\r${text(p)}\x1b[K`);
        shown = true;
      } else {
        process.stderr.write(`${text(p)}\n`);
      }
    },
    clear(): void {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
    finish(p: ImportProgress): void {
      if (tty) process.stderr.write(`\r${text(p)}\x1b[K\n`);
      shown = false;
    },
  };
}

process.exitCode = await main(process.argv.slice(2));
