import { parentPort, workerData } from 'node:worker_threads';
import { parseBatches, type RejectedLine } from './import-batches.ts';
import { createEventPacker } from './import-packing.ts';
import type { PackedCrossings } from './packed-crossings.ts';
import { createCrossingLineParser } from './import-line.ts';
import { createIdentifierHasher } from './identifiers.ts';

/**
 * The parsing half of an import, on its own thread: reads the file, parses and validates each line,
 * hashes the identifiers (raw values stay in this thread's memory), and posts batches to the
 * thread that writes. It stays at most `aheadBatches` batches ahead of the writer.
 */
export interface ImportWorkerData {
  readonly path: string;
  readonly identifierKey: Uint8Array;
  readonly now: number;
  readonly batchSize: number;
  readonly firstBatchSize: number;
  readonly aheadBatches: number;
}

export type WorkerToWriter =
  | { readonly type: 'batch'; readonly records: PackedCrossings; readonly rejected: RejectedLine[]; readonly lastLine: number }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string };

export type WriterToWorker = { readonly type: 'written' };

const port = parentPort;
if (port === null) throw new Error('import.worker.ts runs as a worker thread');
const data = workerData as ImportWorkerData;

let credits = data.aheadBatches;
let wake: (() => void) | null = null;
port.on('message', (message: WriterToWorker) => {
  if (message.type === 'written') {
    credits++;
    wake?.();
    wake = null;
  }
});

async function run(): Promise<void> {
  const parse = createCrossingLineParser(data.now);
  const packer = createEventPacker(createIdentifierHasher(Buffer.from(data.identifierKey)));
  for await (const batch of parseBatches(data.path, parse, packer, data.batchSize, data.firstBatchSize)) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    const message: WorkerToWriter = { type: 'batch', records: batch.records, rejected: batch.rejected, lastLine: batch.lastLine };
    port!.postMessage(message, [batch.records.numbers.buffer as ArrayBuffer]);
  }
  port!.postMessage({ type: 'done' } satisfies WorkerToWriter);
}

run().then(
  () => port.close(),
  (error: unknown) => {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerToWriter);
    port.close();
  },
);
