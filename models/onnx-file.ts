import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InferenceSession } from 'onnxruntime-node';
import { ModelContractError } from './model-contract.ts';
import { readOnnxMetadata } from './onnx-proto.ts';
import { isNotFound } from './read-card.ts';

/** An ONNX file's bytes with what the contract checks need from them. */
export interface OnnxFile {
  readonly bytes: Uint8Array;
  /** Lower-case hex, as card onnx.sha256 holds it. */
  readonly sha256: string;
  /** ModelProto.metadata_props (feature_spec_hash, feature_names, model_version, …). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads an ONNX file once: the bytes hashed are the bytes later handed to onnxruntime.
 * `label` is how messages name the file (the path unless given).
 */
export async function readOnnxFile(path: string, label = path): Promise<OnnxFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (isNotFound(error)) throw new ModelContractError(`${label} is missing`);
    throw error;
  }
  return describeOnnxBytes(bytes, label);
}

export function describeOnnxBytes(bytes: Uint8Array, label = 'model'): OnnxFile {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
  } catch (error) {
    throw new ModelContractError(`${label} is not an ONNX model: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { bytes, sha256, metadata };
}

export interface SessionOptions {
  /**
   * Defaults to 1: on this 2-core machine one thread runs the 35-…-1 MLP faster than two for
   * the 1-row and 27-row batches the service sends (shared/DESIGN.md, "Environment facts"):
   * the rows are too few to split, and handing work to a pool costs more than it saves.
   */
  readonly intraOpNumThreads?: number;
}

/** An onnxruntime session for scoring: CPU, sequential, full graph optimisation. */
export async function createModelSession(bytes: Uint8Array, options: SessionOptions = {}, label = 'model'): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new ModelContractError(`${label} does not load in onnxruntime: ${error instanceof Error ? error.message : String(error)}`);
  }
}
