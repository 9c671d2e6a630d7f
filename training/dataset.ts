import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { createCsvWriter } from '../lib/csv.ts';
import { openDatabase, type SqliteDatabase } from '../store/sqlite/database.ts';
import { DATASET_COLUMNS, datasetFields, type DatasetRow } from './dataset-columns.ts';
import { emptyRecordedStats, recordedDatasetRows, type RecordedDatasetStats } from './dataset-recorded.ts';
import { emptySimulatedStats, simulatedDatasetRows, type SimulatedDatasetStats } from './dataset-simulated.ts';
import type { TimeRange } from './time-range.ts';

/**
 * The training-set export (`npm run dataset`): rows from a simulator run or from the service's
 * records, written as the CSV of training/dataset-columns.ts. The file appears only when complete:
 * rows go to `<out>.partial`, renamed at the end and removed on failure.
 */

export type DatasetSource = { readonly kind: 'sim'; readonly dir: string } | { readonly kind: 'db'; readonly path: string };

export interface DatasetExport {
  readonly source: DatasetSource;
  readonly range: TimeRange;
  readonly out: string;
  readonly workDir?: string;
  readonly log?: (line: string) => void;
}

export type DatasetStats =
  | { readonly kind: 'sim'; readonly rows: number; readonly positives: number; readonly detail: SimulatedDatasetStats }
  | { readonly kind: 'db'; readonly rows: number; readonly positives: number; readonly detail: RecordedDatasetStats };

export async function exportDataset(spec: DatasetExport): Promise<DatasetStats> {
  const partial = `${spec.out}.partial`;
  const writer = createCsvWriter(createWriteStream(partial), { header: DATASET_COLUMNS, lineBreak: '\n', bufferSize: 1 << 20 });
  let positives = 0;
  const write = async (rows: AsyncIterable<DatasetRow> | Iterable<DatasetRow>): Promise<void> => {
    for await (const row of rows) {
      positives += row.label;
      await writer.write(datasetFields(row));
    }
  };
  try {
    let stats: DatasetStats;
    if (spec.source.kind === 'sim') {
      const detail = emptySimulatedStats();
      await write(simulatedDatasetRows({ dir: spec.source.dir, range: spec.range, workDir: spec.workDir, log: spec.log }, detail));
      stats = { kind: 'sim', rows: detail.rows, positives, detail };
    } else {
      const db = openServiceDatabase(spec.source.path);
      try {
        const detail = emptyRecordedStats();
        await write(recordedDatasetRows(db, spec.range, detail));
        stats = { kind: 'db', rows: detail.rows, positives, detail };
      } finally {
        db.close();
      }
    }
    await writer.end();
    renameSync(partial, spec.out);
    return stats;
  } catch (error) {
    await writer.end().catch(() => {});
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The service's database, read-only; a file that is not one is refused with its path. */
function openServiceDatabase(path: string): SqliteDatabase {
  try {
    return openDatabase(path, { readonly: true });
  } catch (error) {
    throw new Error(`--db ${path} cannot be read as the service's database: ${error instanceof Error ? error.message : String(error)}`);
  }
}
