import { basename, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_SPEC_HASH } from '../features/feature-spec.ts';
import type { ModelCard } from './model-card.ts';
import {
  MODEL_INPUT_NAME,
  ModelContractError,
  ONNX_METADATA_KEYS,
  shortHash,
  validateModelContract,
  type ModelContract,
} from './model-contract.ts';
import { createModelSession, readOnnxFile, type SessionOptions } from './onnx-file.ts';
import { readCard } from './read-card.ts';

export { ModelContractError, validateModelContract } from './model-contract.ts';
export type { ContractExpectation, ModelContract, OutputForm } from './model-contract.ts';

export interface LoadModelOptions extends SessionOptions {
  /** Defaults to this build's FEATURE_SPEC_HASH. */
  readonly expectedSpecHash?: string;
  /** Defaults to FEATURE_COUNT. */
  readonly expectedWidth?: number;
}

export interface LoadedModel {
  readonly dir: string;
  readonly card: ModelCard;
  /** Warmed by the probe run; release() it when the model is retired. */
  readonly session: InferenceSession;
  readonly contract: ModelContract;
  /** The ONNX file's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
  /** sha256 of the ONNX file as loaded (equal to the card's). */
  readonly sha256: string;
}

/**
 * Loads one registry folder (`<dir>/card.json` + the ONNX file it names) and refuses anything
 * that breaks the model contract, before a single score is served:
 *
 * 1. the card validates against modelCardSchema;
 * 2. card featureSpec.hash equals this build's FEATURE_SPEC_HASH, its featureSpec.names has D
 *    names, its onnx.inputName is `features`;
 * 3. the ONNX file's sha256 equals card onnx.sha256 (the bytes hashed are the bytes loaded);
 * 4. the ONNX metadata's feature_spec_hash, when present, equals this build's;
 * 5. the session's input and output satisfy the contract and a probe run gives one
 *    probability per row (validateModelContract), which also warms the session.
 *
 * Every refusal is a ModelContractError whose message starts with the folder and names the
 * thing and both values.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const expectedSpecHash = options.expectedSpecHash ?? FEATURE_SPEC_HASH;
  const expectedWidth = options.expectedWidth ?? FEATURE_COUNT;
  const refuse = (message: string): ModelContractError => new ModelContractError(`${dir}: ${message}`);
  const inFolder = (error: unknown): never => {
    throw error instanceof ModelContractError ? refuse(error.message) : error;
  };

  const card = await readCard(dir).catch(inFolder);
  if (card.featureSpec.hash !== expectedSpecHash) {
    throw refuse(`card featureSpec.hash ${shortHash(card.featureSpec.hash)} differs from this build's ${shortHash(expectedSpecHash)}`);
  }
  if (card.featureSpec.names.length !== expectedWidth) {
    throw refuse(`card featureSpec.names has ${card.featureSpec.names.length} names, the feature spec has ${expectedWidth}`);
  }
  if (card.onnx.inputName !== MODEL_INPUT_NAME) {
    throw refuse(`card onnx.inputName '${card.onnx.inputName}' differs from the contract's '${MODEL_INPUT_NAME}'`);
  }
  const file = card.onnx.file;
  if (basename(file) !== file || file === '.' || file === '..') {
    throw refuse(`card onnx.file '${file}' is not a file name in the model's folder`);
  }

  const onnx = await readOnnxFile(join(dir, file), file).catch(inFolder);
  if (onnx.sha256 !== card.onnx.sha256) {
    throw refuse(`${file} has sha256 ${shortHash(onnx.sha256)}, card onnx.sha256 is ${shortHash(card.onnx.sha256)}`);
  }

  const session = await createModelSession(onnx.bytes, options, file).catch(inFolder);
  try {
    const contract = await validateModelContract(session, {
      expectedWidth,
      expectedSpecHash,
      metadataSpecHash: onnx.metadata[ONNX_METADATA_KEYS.featureSpecHash],
      outputName: card.onnx.outputName,
    });
    return { dir, card, session, contract, metadata: onnx.metadata, sha256: onnx.sha256 };
  } catch (error) {
    await session.release();
    return inFolder(error);
  }
}
