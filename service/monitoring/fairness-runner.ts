import type { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../../lib/typescript-worker.ts';
import { createRandom } from '../../lib/random.ts';
import { fairnessReport, UnknownReferenceGroupError, type FairnessTable, type GroupCounts } from '../../metrics/fairness.ts';
import type { FairnessRequest, FairnessResponse } from './fairness.worker.ts';

/**
 * Computes fairness tables (metrics/fairness.ts fairnessReport) from group counts, seeded.
 *
 * Why a worker thread in the service: the bootstrap of a three-attribute report with its
 * intersection is 0.1-0.2 s of CPU at 10M decisions (npm run bench:monitor), and on the event loop
 * every officer's /v1/score would wait behind it. On its own thread it costs the scoring loop
 * nothing but a message each way. One worker, started at the first report, requests answered in
 * order; a crashed worker fails what it held and is replaced at the next request.
 */
export interface FairnessRunner {
  tables(groups: readonly GroupCounts[], options: FairnessRequest['options']): Promise<FairnessTable[]>;
  close(): Promise<void>;
}

/** The same computation on the calling thread: for tests and tools with no event loop to protect. */
export const inProcessFairnessRunner: FairnessRunner = {
  tables: (groups, { seed, ...options }) => Promise.resolve(fairnessReport(groups, { ...options, random: createRandom(seed) })),
  close: () => Promise.resolve(),
};

export function createWorkerFairnessRunner(): FairnessRunner {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (tables: FairnessTable[]) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error): void => {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    const started = startTypeScriptWorker(new URL('./fairness.worker.ts', import.meta.url));
    started.on('message', (response: FairnessResponse) => {
      const waiting = pending.get(response.id);
      if (waiting === undefined) return;
      pending.delete(response.id);
      if ('tables' in response) waiting.resolve(response.tables);
      else if (response.error.name === 'UnknownReferenceGroupError') waiting.reject(new UnknownReferenceGroupError(response.error.message));
      else waiting.reject(new Error(`fairness worker: ${response.error.name}: ${response.error.message}`));
    });
    started.on('error', (error) => {
      if (worker === started) worker = null;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      failAll(new Error(`fairness worker exited with code ${code}`));
    });
    return started;
  };

  return {
    tables(groups, options) {
      worker ??= start();
      const id = nextId++;
      const request: FairnessRequest = { id, groups, options };
      return new Promise<FairnessTable[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.postMessage(request);
      });
    },
    async close() {
      const running = worker;
      worker = null;
      failAll(new Error('fairness worker closed'));
      if (running !== null) await running.terminate();
    },
  };
}
