import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers/test-app.ts';

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
