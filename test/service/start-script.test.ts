import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Role } from '../../service/auth/roles.ts';
import { sampleCrossing } from '../fixtures/crossing-events.ts';
import { freePort } from './helpers/server-process.ts';
import { writeTokens } from './helpers/test-app.ts';

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'start-script-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const answers = async (url: string): Promise<boolean> => {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  // A supervisor (Docker's PID 1, a process manager) signals `npm`, which forwards the signal to
  // its child. With a shell or a tsx wrapper in between, the signal stopped there and the service
  // kept running, orphaned, holding the port and the database.
  it('stops the service itself when npm gets SIGTERM: it shuts down and the port closes', async () => {
    const started = await startNpm(false);
    try {
      started.npm.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      // npm returns once its child has exited: by then the service has stopped listening.
      expect(await answers(started.live), 'the service still answers after npm stopped').toBe(false);
      expect(started.output()).toMatch(/"msg":"stopping: finishing in-flight requests"[\s\S]*"msg":"stopped"/);
    } finally {
      started.npm.kill('SIGKILL');
    }
  }, 120_000);

  // Ctrl-C, systemd's KillMode=control-group and `kill -- -PGID` signal the whole group: the service
  // gets the signal from the kernel and again from npm, milliseconds apart. One request to stop,
  // not two (a second one means "exit now", dropping requests in flight).
  it('drains once when the whole process group gets SIGTERM: a request in flight is answered', async () => {
    const started = await startNpm(true);
    try {
      // A score whose body is half sent when the signal comes: the service must wait for it.
      const body = JSON.stringify(sampleCrossing());
      let request!: ClientRequest;
      const status = new Promise<number>((resolve, reject) => {
        request = httpRequest(`${started.base}/v1/score`, {
          method: 'POST',
          headers: { authorization: `Bearer ${started.tokens.officer}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        });
        request.on('error', reject);
      });
      request.write(body.slice(0, body.length >> 1));
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(-started.npm.pid!, 'SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      request.end(body.slice(body.length >> 1));
      expect(await status, started.output()).toBe(200);
      expect(await started.exited).toBe(0);
      expect(started.output()).toMatch(/"msg":"stopped"/);
      expect(started.output()).not.toContain('second stop request');
    } finally {
      try {
        process.kill(-started.npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 120_000);
});

/** `npm start` on a free port in its own folder, resolved once /health/live answers. */
async function startNpm(
  ownProcessGroup: boolean,
): Promise<{ npm: ChildProcess; base: string; live: string; tokens: Record<Role, string>; exited: Promise<number | null>; output: () => string }> {
  const port = await freePort();
  // Under `npm test` npm names itself in npm_execpath; under a bare vitest, `npm` from PATH.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli?.endsWith('.js') === true ? [process.execPath, [npmCli, 'start']] : ['npm', ['start']];
  const folder = mkdtempSync(join(work, 'run-'));
  const tokens = await writeTokens(join(folder, 'tokens.json'));
  const npm = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REFERRAL_DB: join(folder, 'referral.db'), REFERRAL_TOKENS_FILE: join(folder, 'tokens.json'), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
  });
  const chunks: string[] = [];
  npm.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const live = `${base}/health/live`;
  const deadline = Date.now() + 90_000;
  while (!(await answers(live))) {
    if (Date.now() > deadline || npm.exitCode !== null) {
      npm.kill('SIGKILL');
      throw new Error(`npm start did not come up: ${chunks.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { npm, base, live, tokens, exited, output: () => chunks.join('') };
}
