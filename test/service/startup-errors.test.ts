import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/server-process.ts';
import { buildTestApp, testServiceEnv } from './helpers/test-app.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'startup-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a service that cannot load its model says which variable to change', () => {
  it('names MODELS_DIR when the folder does not exist', async () => {
    const missing = join(dir, 'no-such-models');
    await expect(buildTestApp({ dir, env: { MODELS_DIR: missing } })).rejects.toThrow(
      `MODELS_DIR=${missing}, MODEL_VERSION=test-lr: the models folder ${missing} does not exist`,
    );
  });

  it('names MODEL_VERSION when no model has that version', async () => {
    const models = await mkdtemp(join(dir, 'models-'));
    await expect(buildTestApp({ dir, env: { MODELS_DIR: models, MODEL_VERSION: 'nope' } })).rejects.toThrow(
      `MODELS_DIR=${models}, MODEL_VERSION=nope: model version 'nope' is not in ${models} (versions there: none)`,
    );
  });
});

describe('one service per database', () => {
  it('refuses a second service on the same REFERRAL_DB, in the same process or another', async () => {
    const first = await buildTestApp();
    try {
      await expect(buildTestApp({ dir: first.dir })).rejects.toThrow(
        `another service is running on this database (it holds ${first.dbPath}.service-lock): stop it first, or give this service its own REFERRAL_DB`,
      );
      // Another process: the lock is the operating system's.
      const env = testServiceEnv(first.dir);
      await expect(startServerProcess(env)).rejects.toThrow(/exited \(1\) before listening: .*another service is running on this database/s);
    } finally {
      await first.close();
    }
  }, 60_000);

  it("starts where the database's folder does not exist yet, as on a fresh checkout (data/)", async () => {
    const app = await buildTestApp({ env: { REFERRAL_DB: join(dir, 'not-yet', 'deeper', 'referral.db') } });
    try {
      expect((await app.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('is free again after the first service stops', async () => {
    const first = await buildTestApp();
    try {
      await first.app.close();
      const second = await buildTestApp({ dir: first.dir });
      expect((await second.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      await second.close();
    } finally {
      await rm(first.dir, { recursive: true, force: true });
    }
  });
});
