import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * The TensorFlow.js backend for training. `@tensorflow/tfjs-node` (native libtensorflow) is used
 * only when it happens to be installed: its install downloads libtensorflow, which fails here and
 * at air-gapped ports (DESIGN.md, environment facts). Otherwise the WebAssembly backend with
 * SIMD, about four times the pure-JS `cpu` backend on this machine; the .wasm files ship inside
 * the npm package, nothing is downloaded.
 */

export type Tensorflow = typeof tf;

export interface TensorflowRuntime {
  readonly tf: Tensorflow;
  /** `tensorflow` (tfjs-node) or `wasm`. */
  readonly backend: string;
}

// The tfjs engine is process-global (one registry of backends), so the choice is made once per process.
let ready: Promise<TensorflowRuntime> | undefined;

export function loadTensorflow(): Promise<TensorflowRuntime> {
  ready ??= selectBackend();
  return ready;
}

async function selectBackend(): Promise<TensorflowRuntime> {
  if (await tryNativeBackend()) return { tf, backend: tf.getBackend() };
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
  await tf.ready();
  return { tf, backend: tf.getBackend() };
}

async function tryNativeBackend(): Promise<boolean> {
  // A computed specifier: the package is optional and absent here, so the type checker must not resolve it.
  const nativePackage = '@tensorflow/tfjs-node';
  try {
    await import(nativePackage);
  } catch {
    return false;
  }
  try {
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}
