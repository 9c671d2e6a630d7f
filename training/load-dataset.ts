import { readCsvFile } from '../lib/csv.ts';
import { createTableBuilder, DatasetFormatError, type LabelledTable, type TableBuilder } from './labelled-table.ts';

/**
 * Reads a training-set CSV (training/dataset-columns.ts) into memory, streaming: the header is
 * checked first (every feature, label and timestamp column by name), then each row, and a bad
 * value is refused with its line and column.
 */
export async function loadLabelledTable(path: string, onProgress?: (rows: number) => void): Promise<LabelledTable> {
  let builder: TableBuilder | undefined;
  let rows = 0;
  for await (const record of readCsvFile(path)) {
    if (builder === undefined) {
      builder = createTableBuilder(record.fields, path);
      continue;
    }
    builder.add(record.fields, record.line);
    if (++rows % 250_000 === 0) onProgress?.(rows);
  }
  if (builder === undefined) throw new DatasetFormatError(`${path}: the file is empty (no header)`);
  return builder.finish();
}
