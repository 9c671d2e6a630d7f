import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from './model-card.ts';
import { ModelContractError } from './model-contract.ts';
import { readCard } from './read-card.ts';

/**
 * The models directory: one folder per model, each holding `card.json` and the ONNX file the
 * card names (`model.onnx` by convention). A folder's name is where a model lives; its version
 * is card modelDetails.version (the shipped `default/` folder holds a card with its own version).
 */

export interface RegistryEntry {
  /** Folder name under the models directory. */
  readonly folder: string;
  readonly dir: string;
  /** Present when card.json reads and validates. */
  readonly card?: ModelCard;
  /** Why the folder cannot be used, when it cannot (missing or invalid card). */
  readonly problem?: string;
}

/**
 * Every folder of `modelsDir` that holds a card.json, sorted by folder name. A folder with a
 * bad card is listed with its problem rather than failing the listing: an operator sees what
 * is wrong with it. The ONNX file is not opened here (loadModel checks it).
 */
export async function listModels(modelsDir: string): Promise<RegistryEntry[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelContractError(`the models folder ${modelsDir} does not exist`);
    if (code === 'ENOTDIR') throw new ModelContractError(`${modelsDir} is not a folder`);
    throw error;
  });
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const listed: RegistryEntry[] = [];
  for (const folder of folders) {
    const dir = join(modelsDir, folder);
    const files = await readdir(dir);
    if (!files.includes('card.json')) continue;
    try {
      listed.push({ folder, dir, card: await readCard(dir) });
    } catch (error) {
      if (!(error instanceof ModelContractError)) throw error;
      listed.push({ folder, dir, problem: error.message });
    }
  }
  return listed;
}

/**
 * The folder of a model version: the folder whose card names `version`, else the folder named
 * `version` (so `default` resolves). A folder named `version` whose card names it too wins over
 * other cards that also claim it (a backup copy of a model folder must not make it unstartable).
 * Refuses an unknown version naming the known ones with their folders, and a version two other
 * cards claim, naming both folders.
 */
export async function resolveModelVersion(modelsDir: string, version: string): Promise<RegistryEntry & { card: ModelCard }> {
  const entries = await listModels(modelsDir);
  const byCard = entries.filter((entry) => entry.card?.modelDetails.version === version);
  const exact = byCard.find((entry) => entry.folder === version);
  if (exact === undefined && byCard.length > 1) {
    throw new ModelContractError(`model version '${version}' is claimed by the cards of ${byCard.map((e) => `'${e.folder}'`).join(' and ')} in ${modelsDir}`);
  }
  const entry = exact ?? byCard[0] ?? entries.find((candidate) => candidate.folder === version);
  if (entry === undefined) {
    // A folder of that name without a card (a copy that lost it, a model:check that failed) is the likelier mistake.
    if (existsSync(join(modelsDir, version)) && !existsSync(join(modelsDir, version, 'card.json'))) {
      throw new ModelContractError(`model version '${version}': the folder ${join(modelsDir, version)} has no card.json`);
    }
    const known = entries.flatMap((e) => (e.card === undefined ? [] : [e.card.modelDetails.version === e.folder ? `'${e.folder}'` : `'${e.card.modelDetails.version}' (folder ${e.folder})`]));
    throw new ModelContractError(`model version '${version}' is not in ${modelsDir} (versions there: ${known.length === 0 ? 'none' : known.join(', ')})`);
  }
  if (entry.card === undefined) throw new ModelContractError(`model version '${version}' cannot be used: ${entry.problem ?? 'no card'}`);
  return { ...entry, card: entry.card };
}

export { readCard } from './read-card.ts';
