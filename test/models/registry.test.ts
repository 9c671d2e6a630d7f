import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../lib/random.ts';
import { listModels, resolveModelVersion } from '../../models/registry.ts';
import { randomMlpBytes, writeModelFolder } from './model-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'registry-'));
  const random = createRandom(3);
  await writeModelFolder(join(root, 'default'), randomMlpBytes(random), { version: 'sim-2025-01' });
  await writeModelFolder(join(root, 'v2'), randomMlpBytes(random), { version: 'v2' });
  await writeModelFolder(join(root, 'broken'), randomMlpBytes(random), {
    version: 'broken',
    card: (card) => {
      delete card.onnx;
    },
  });
  await mkdir(join(root, 'scratch')); // no card: not a model folder
  await writeFile(join(root, 'README.txt'), 'not a folder');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listModels', () => {
  it('lists folders with a card, sorted, with the problem of a bad card instead of failing', async () => {
    const entries = await listModels(root);
    expect(entries.map((e) => e.folder)).toEqual(['broken', 'default', 'v2']);
    expect(entries[0]!.card).toBeUndefined();
    expect(entries[0]!.problem).toBe('card.json: onnx: is required');
    expect(entries[1]!.card?.modelDetails.version).toBe('sim-2025-01');
    expect(entries[2]!.card?.modelDetails.version).toBe('v2');
  });
});

describe('resolveModelVersion', () => {
  it('finds a model by its card’s version, or by its folder name', async () => {
    expect((await resolveModelVersion(root, 'sim-2025-01')).folder).toBe('default');
    expect((await resolveModelVersion(root, 'default')).card.modelDetails.version).toBe('sim-2025-01');
    expect((await resolveModelVersion(root, 'v2')).dir).toBe(join(root, 'v2'));
  });

  it('refuses an unknown version naming the known ones, and a folder with a bad card naming its problem', async () => {
    await expect(resolveModelVersion(root, 'v9')).rejects.toThrow(`model version 'v9' is not in ${root} (versions there: 'sim-2025-01' (folder default), 'v2')`);
    await expect(resolveModelVersion(root, 'broken')).rejects.toThrow("model version 'broken' cannot be used: card.json: onnx: is required");
    await mkdir(join(root, 'no-card'), { recursive: true });
    await expect(resolveModelVersion(root, 'no-card')).rejects.toThrow(`model version 'no-card': the folder ${join(root, 'no-card')} has no card.json`);
  });

  it('refuses a version two cards claim', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-dup-'));
    try {
      const random = createRandom(4);
      await writeModelFolder(join(dir, 'a'), randomMlpBytes(random), { version: 'same' });
      await writeModelFolder(join(dir, 'b'), randomMlpBytes(random), { version: 'same' });
      await expect(resolveModelVersion(dir, 'same')).rejects.toThrow(`model version 'same' is claimed by the cards of 'a' and 'b' in ${dir}`);
      // A backup copy of a model folder: the folder named after the version is the one meant.
      await writeModelFolder(join(dir, 'kept'), randomMlpBytes(random), { version: 'kept' });
      await writeModelFolder(join(dir, 'kept-backup'), randomMlpBytes(random), { version: 'kept' });
      expect((await resolveModelVersion(dir, 'kept')).folder).toBe('kept');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
