import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DecisionView } from '../../service/decisions/decisions.route.ts';
import type { OutcomeReply } from '../../service/outcomes/outcomes.route.ts';
import type { ScoreReply } from '../../service/scoring/score.route.ts';
import { freshCrossing } from './helpers/crossings.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { testServiceEnv, writeTokens } from './helpers/test-app.ts';
import { writeTestModel } from './helpers/test-model.ts';

/**
 * "A 200 means it is on disk": the real server process is killed with SIGKILL (no shutdown hook,
 * no flush) while a burst of requests is still arriving; after a restart on the same file, every
 * decision and outcome that was acknowledged with a 200 is there.
 */
let dir: string;
let env: Record<string, string>;
let officer: string;
const servers: ServerProcess[] = [];

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'durability-'));
  await writeTestModel(join(dir, 'models'));
  const tokens = await writeTokens(join(dir, 'tokens.json'));
  officer = `Bearer ${tokens.officer}`;
  env = testServiceEnv(dir);
});

afterAll(async () => {
  // A failed assertion must not leave a server listening.
  for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { authorization: officer, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('SIGKILL after acknowledged requests', () => {
  test('every acknowledged decision and outcome is there after a restart', async () => {
    const server = await start();
    // Decisions to report outcomes on during the burst.
    const earlier: string[] = [];
    for (let i = 0; i < 20; i++) {
      const reply = await post(`${server.url}/v1/score`, freshCrossing(`pre-${i}`));
      earlier.push(((await reply.json()) as ScoreReply).decisionId);
    }

    const acknowledgedDecisions: string[] = [];
    const acknowledgedOutcomes: { decisionId: string; outcomeId: string }[] = [];
    let killed = false;
    const KILL_AFTER = 150;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      server.child.kill('SIGKILL');
    };
    // 16 clients, each sending requests back to back until the process dies.
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !killed && i < 500; i++) {
        try {
          if (i % 4 === 3) {
            const decisionId = earlier[(c + i) % earlier.length]!;
            const response = await post(`${server.url}/v1/outcomes`, { decisionId, referred: true, reason: 'officer', result: 'no_seizure' });
            if (response.status === 200) acknowledgedOutcomes.push({ decisionId, outcomeId: ((await response.json()) as OutcomeReply).outcomeId });
          } else {
            const response = await post(`${server.url}/v1/score`, freshCrossing(`burst-${c}-${i}`));
            if (response.status === 200) acknowledgedDecisions.push(((await response.json()) as ScoreReply).decisionId);
          }
        } catch {
          return; // the connection died with the process
        }
        if (acknowledgedDecisions.length + acknowledgedOutcomes.length >= KILL_AFTER) kill();
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledgedDecisions.length).toBeGreaterThan(50);
    expect(acknowledgedOutcomes.length).toBeGreaterThan(10);

    const restarted = await start();
    try {
      for (const id of acknowledgedDecisions) {
        const response = await fetch(`${restarted.url}/v1/decisions/${id}`, { headers: { authorization: officer } });
        expect(response.status, `decision ${id} acknowledged before the kill`).toBe(200);
      }
      for (const { decisionId, outcomeId } of acknowledgedOutcomes) {
        const view = (await (await fetch(`${restarted.url}/v1/decisions/${decisionId}`, { headers: { authorization: officer } })).json()) as DecisionView;
        expect(view.outcomes.map((o) => o.outcomeId), `outcome ${outcomeId} acknowledged before the kill`).toContain(outcomeId);
      }
    } finally {
      restarted.child.kill('SIGTERM');
      expect(await restarted.exited).toEqual({ code: 0, signal: null });
    }
  });
});
