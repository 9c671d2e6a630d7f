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
 * Parses the file into batches of at most `batchSize` valid crossings, in file order. Each valid
 * event is packed as soon as it is parsed, so its objects die young (holding a batch of parsed
 * events measured a sixth of the parsing thread's time in garbage collection).
 */
export async function* parseBatches(path: string, parse: CrossingLineParser, packer: EventPacker, batchSize: number): AsyncGenerator<ParsedBatch> {
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
      if (packer.count >= batchSize) {
        yield { records: packer.take(), rejected, lastLine };
        reportedLine = lastLine;
        rejected = [];
      }
    }
  }
  if (lastLine > reportedLine) yield { records: packer.take(), rejected, lastLine };
}
