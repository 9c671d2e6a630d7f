import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIssues } from '../features/format-issues.ts';
import { ModelContractError } from './model-contract.ts';
import { modelCardSchema, type ModelCard } from './model-card.ts';

export const CARD_FILE = 'card.json';
export const MODEL_FILE = 'model.onnx';

/**
 * Reads and validates `<dir>/card.json`. A refusal names the card field and the rule
 * (`card.json: onnx.sha256: Invalid string: must match pattern …`), through the same
 * formatter the HTTP layer uses.
 */
export async function readCard(dir: string): Promise<ModelCard> {
  const path = join(dir, CARD_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) throw new ModelContractError(`${CARD_FILE} is missing in ${dir}`);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelContractError(`${CARD_FILE} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) throw new ModelContractError(`${CARD_FILE}: ${formatIssues(parsed.error.issues, { input: json }).join('; ')}`);
  return parsed.data;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
