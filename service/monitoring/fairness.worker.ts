import { parentPort } from 'node:worker_threads';
import { createRandom } from '../../lib/random.ts';
import { fairnessReport, type FairnessReportOptions, type FairnessTable, type GroupCounts } from '../../metrics/fairness.ts';

/**
 * The fairness tables on their own thread (fairness-runner.ts says why). Receives the group counts
 * and the options with the bootstrap's seed in place of a random source (a function cannot cross
 * threads), answers with the tables or with the error's name and message.
 */
export interface FairnessRequest {
  readonly id: number;
  readonly groups: readonly GroupCounts[];
  readonly options: Omit<FairnessReportOptions, 'random'> & { readonly seed: number };
}

export type FairnessResponse =
  | { readonly id: number; readonly tables: FairnessTable[] }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

const port = parentPort;
if (port === null) throw new Error('fairness.worker.ts runs as a worker thread');

port.on('message', (request: FairnessRequest) => {
  const { seed, ...options } = request.options;
  let response: FairnessResponse;
  try {
    response = { id: request.id, tables: fairnessReport(request.groups, { ...options, random: createRandom(seed) }) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    response = { id: request.id, error: { name: e.name, message: e.message } };
  }
  port.postMessage(response);
});
