import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshCrossing } from './helpers/crossings.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { testServiceEnv, writeTokens } from './helpers/test-app.ts';
import { writeTestModel } from './helpers/test-model.ts';

let dir: string;
let env: Record<string, string>;
let officer: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  await writeTestModel(join(dir, 'models'));
  officer = (await writeTokens(join(dir, 'tokens.json'))).officer;
  env = testServiceEnv(dir);
});

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Whether a new connection to the port is accepted. */
async function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('SIGTERM', () => {
  // A console's connection is busy with a score when the service is told to stop; its next request
  // on that connection (pipelined here, so it is certain to come after the stop) is refused in the
  // service's error format with Retry-After, the probe says not ready, and the scores in flight
  // are answered.
  test('answers the requests in flight, then refuses the next ones with 503, Retry-After and the usual error body', async () => {
    server = await startServerProcess(env);
    const { hostname: host, port } = new URL(server.url);
    const open = async (name: string, next: string): Promise<{ finish: () => void; replies: Promise<string[]> }> => {
      const body = JSON.stringify(freshCrossing(name));
      const socket = connect(Number(port), host);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const replies = new Promise<string[]>((resolve) => socket.once('close', () => resolve(received.split(/(?=HTTP\/1\.1 )/))));
      socket.write(
        `POST /v1/score HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${officer}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, body.length >> 1)}`,
      );
      return { finish: () => socket.write(`${body.slice(body.length >> 1)}${next}`), replies };
    };
    const refusedConnection = await open('shutdown-1', `GET /v1/decisions/00000000-0000-7000-8000-000000000000 HTTP/1.1\r\nAuthorization: Bearer ${officer}\r\nHost: ${host}\r\n\r\n`);
    const probeConnection = await open('shutdown-2', `GET /health/ready HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    // The service refuses new connections once it is stopping (its preClose hooks have run): only
    // then are the pipelined requests sent, however slowly the signal was handled.
    const deadline = Date.now() + 10_000;
    while (await accepts(Number(port), host)) {
      if (Date.now() > deadline) throw new Error('the service did not begin to stop');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    refusedConnection.finish();
    probeConnection.finish();

    const refusedReplies = await refusedConnection.replies;
    expect(refusedReplies.map((r) => r.slice(0, 12)), refusedReplies.join('')).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503']);
    const refused = refusedReplies[1]!;
    expect(refused).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    const json = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)) as { message: string; errors: string[]; requestId: string };
    expect(json.message).toBe('the service is stopping; send the request again after the Retry-After delay');
    expect(json.errors).toEqual([json.message]);
    expect(typeof json.requestId).toBe('string');

    const probeReplies = await probeConnection.replies;
    expect(probeReplies.map((r) => r.slice(0, 12)), probeReplies.join('')).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503']);
    const probe = JSON.parse(probeReplies[1]!.slice(probeReplies[1]!.indexOf('\r\n\r\n') + 4)) as { status: string; checks: Record<string, boolean> };
    expect(probe.status).toBe('not_ready');
    expect(probe.checks.accepting).toBe(false);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
