import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { ModelCard } from './model-card.ts';
import { describeModelIo, ModelContractError, outputFormOfDims, type ModelContract } from './model-contract.ts';

export interface Scorer {
  /** card modelDetails.version. */
  readonly version: string;
  /** Values per row (the feature spec's width). */
  readonly width: number;
  /**
   * Probabilities for the first `count` rows of `rows` (row-major, `width` values each), in one
   * onnxruntime run. `rows` is read when the run starts, on a later turn of the event loop (the
   * binding runs from setImmediate): do not write to it until the promise settles. The result
   * is a new array the caller owns.
   */
  score(rows: Float32Array, count: number): Promise<Float32Array>;
}

/**
 * The hot path of /v1/score: one row plus its occlusions (about 27 rows) per request, one run.
 *
 * What it avoids per call: only the probability output is fetched (a classifier's `label` is
 * never computed into a JS tensor), the input tensor wraps the caller's Float32Array without
 * copying, and for [N] and [N, 1] outputs the array onnxruntime allocated is returned as it is.
 * What it leaves alone: onnxruntime-node can fill a pre-allocated output tensor (fetches as
 * an object), but that measured no faster here (test/bench/scorer.bench.ts) and would be state
 * shared between concurrent runs; a Tensor object per call is a few JS fields.
 *
 * Safe for concurrent calls: nothing is shared between runs.
 */
export function createScorer({ session, card }: { session: InferenceSession; card: ModelCard }): Scorer {
  const contract = describeModelIo(session, { expectedWidth: card.featureSpec.names.length, outputName: card.onnx.outputName });
  return createContractScorer({ session, contract, version: card.modelDetails.version });
}

/**
 * The same scorer for a model that has no card yet (`model:check` scoring an external model
 * before it writes the card): the contract comes from validateModelContract.
 */
export function createContractScorer({ session, contract, version }: { session: InferenceSession; contract: ModelContract; version: string }): Scorer {
  const { inputName, outputName, width } = contract;
  const fetches = [outputName] as const;

  async function score(rows: Float32Array, count: number): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count is ${count}, it must be a whole number of rows above 0`);
    const size = count * width;
    if (rows.length < size) throw new RangeError(`rows has ${rows.length} values, ${count} rows of width ${width} need ${size}`);
    const input = new Tensor('float32', rows.length === size ? rows : rows.subarray(0, size), [count, width]);
    const result = await session.run({ [inputName]: input }, fetches);
    const output = result[outputName]!;
    const values = output.data as Float32Array;
    switch (outputFormOfDims(output.dims, count)) {
      case 'vector':
      case 'column':
        return values;
      case 'twoClass': {
        const positive = new Float32Array(count);
        for (let i = 0; i < count; i++) positive[i] = values[i * 2 + 1]!;
        return positive;
      }
      case null:
        throw new ModelContractError(`model output '${outputName}' has shape [${output.dims.join(', ')}] for ${count} rows, the contract has [${count}], [${count}, 1] or [${count}, 2]`);
    }
  }

  return { version, width, score };
}
