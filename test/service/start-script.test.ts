import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/server-process.ts';

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
    const port = await freePort();
    // Under `npm test` npm names itself in npm_execpath; under a bare vitest, `npm` from PATH.
    const npmCli = process.env.npm_execpath;
    const [command, args] = npmCli?.endsWith('.js') === true ? [process.execPath, [npmCli, 'start']] : ['npm', ['start']];
    const npm = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REFERRAL_DB: join(work, 'referral.db'), REFERRAL_TOKENS_FILE: join(work, 'tokens.json'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    npm.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const npmExited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const live = `http://127.0.0.1:${port}/health/live`;
    try {
      const deadline = Date.now() + 90_000;
      while (!(await answers(live))) {
        if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`npm start did not come up: ${output.join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      npm.kill('SIGTERM');
      await npmExited;
      // npm returns once its child has exited: by then the service has stopped listening.
      expect(await answers(live), 'the service still answers after npm stopped').toBe(false);
      expect(output.join('')).toMatch(/"msg":"stopping: finishing in-flight requests"[\s\S]*"msg":"stopped"/);
    } finally {
      npm.kill('SIGKILL');
    }
  }, 120_000);
});
