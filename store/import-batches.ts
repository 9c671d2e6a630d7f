import type { CrossingLineParser } from './import-line.ts';
import type { EventPacker } from './import-packing.ts';
import { readLineBlocks } from './ndjson-lines.ts';
import type { PackedCrossings } from './packed-crossings.ts';

/** A line refused by import, with why (messages from formatIssues, as the HTTP API words them). */
export interface RejectedLine {
  readonly lineNumber: number;
  readonly reasons: readonly string[];
}

/** Consecutive lines of the file, parsed: the valid ones packed, the others as rejections. */
export interface ParsedBatch {
  readonly records: PackedCrossings;
  readonly rejected: RejectedLine[];
  /** The last line number this batch covers. */
  readonly lastLine: number;
}

/**
 * Parses the file into batches of valid crossings, in file order: the first of `firstBatchSize`,
 * each next one twice the size of the one before, up to `batchSize` (rampedBatchSize). Each valid
 * event is packed as soon as it is parsed, so its objects die young (holding a batch of parsed
 * events measured a sixth of the parsing thread's time in garbage collection).
 */
export async function* parseBatches(
  path: string,
  parse: CrossingLineParser,
  packer: EventPacker,
  batchSize: number,
  firstBatchSize = batchSize,
): AsyncGenerator<ParsedBatch> {
  let batch = 0;
  let size = rampedBatchSize(batch, firstBatchSize, batchSize);
  let rejected: RejectedLine[] = [];
  let lastLine = 0;
  let reportedLine = 0;
  for await (const block of readLineBlocks(path)) {
    for (const line of block) {
      lastLine = line.lineNumber;
      const outcome = parse(line);
      switch (outcome.kind) {
        case 'event':
          packer.add(outcome.event);
          break;
        case 'rejected':
          rejected.push({ lineNumber: line.lineNumber, reasons: outcome.reasons });
          break;
        case 'blank':
          break;
      }
      if (packer.count >= size) {
        yield { records: packer.take(), rejected, lastLine };
        reportedLine = lastLine;
        rejected = [];
        size = rampedBatchSize(++batch, firstBatchSize, batchSize);
      }
    }
  }
  if (lastLine > reportedLine) yield { records: packer.take(), rejected, lastLine };
}

/**
 * The size of batch `index` (from 0): `first` doubled `index` times, at most `max`.
 *
 * Why a ramp: the writing thread waits, idle, while the first batch is parsed; only later batches
 * are parsed while it writes. At a full batch size of 1,000,000 that wait was the parse time of a
 * million lines (about 9 s of a 160 s import of 10M crossings, and all of an import of 1M or less,
 * which was then parsed and written strictly one after the other). Starting small and doubling keeps
 * the wait to the parse time of `first` lines, while the batches soon reach the full size that
 * writes fewest pages per crossing (import.ts DEFAULT_IMPORT_BATCH_SIZE).
 */
export function rampedBatchSize(index: number, first: number, max: number): number {
  return Math.min(max, first * 2 ** Math.min(index, 52));
}
