import type { Random } from '../lib/random.ts';
import { encodedWidth, encodeInputs, encodingTensors, type PiecewiseLinearEncoding } from './piecewise-linear.ts';
import type { Tensorflow } from './tensorflow.ts';
import type * as tfTypes from '@tensorflow/tfjs';

/**
 * A multi-layer perceptron trained with TensorFlow.js: ReLU hidden layers, one linear output
 * (the logit), weighted binary cross-entropy, Adam, mini-batches in a seeded order, early
 * stopping on a validation score with the best epoch's weights restored.
 *
 * The training loop is written out (optimizer.minimize over our own variables) rather than
 * `model.fit` because fit shuffles with Math.random (not reproducible) and ignores per-row
 * weights; and because the trained layers are plain arrays the ONNX exporter writes directly.
 */

export type Activation = 'relu' | 'linear';

/** One fully connected layer: y = activation(x·W + b), W row-major [inputSize][outputSize]. */
export interface DenseLayer {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly activation: Activation;
}

export interface MlpOptions {
  readonly hiddenLayers: readonly number[];
  readonly maxEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Epochs without a better validation score before stopping. */
  readonly patience: number;
  /** L2 penalty on the weight matrices (not the biases), added to the mean weighted loss. */
  readonly l2: number;
  /**
   * Decay of the exponential moving average of the weights, per step (0 turns it off). The
   * averaged weights are the ones validated, kept and exported: averaging the last thousand or
   * so steps (Polyak & Juditsky 1992; the "EMA" of most modern training recipes) smooths the
   * step-to-step noise of Adam, which otherwise makes the top of the ranking, and so the
   * validation AUC-PR early stopping watches, jump from epoch to epoch. Capped at
   * 1 − 1/(steps per epoch), so the average never reaches back much more than an epoch.
   */
  readonly weightAveraging: number;
  /**
   * Share of the negative rows each epoch visits, drawn afresh every epoch (1: all of them).
   * Positives are always all visited. With seizures at 0.2 % of crossings nearly all of an
   * epoch's cost is negatives that teach little; visiting a fresh quarter of them per epoch cuts
   * the cost fourfold while every negative is still seen over the epochs ("negative
   * downsampling", He et al., "Practical lessons from predicting clicks on ads at Facebook",
   * ADKDD 2014). It tilts the class balance like a positive weight of 1/share; the calibration
   * fitted afterwards on the untouched validation slice maps the output back to a probability.
   * Above 1, every row (positives too) is visited that many times per epoch on average, so the
   * class balance is the data's (epochRows).
   */
  readonly negativeSampling: number;
}

/** A training part, features already standardised, row-major. */
export interface TrainingPart {
  readonly x: Float32Array;
  readonly labels: Uint8Array;
  /** Per-row loss weights (class weighting × inverse selection probability). */
  readonly weights: Float32Array;
}

export interface EpochReport {
  readonly epoch: number;
  readonly trainLoss: number;
  /** The validation score early stopping watches (higher is better). */
  readonly validationScore: number;
  readonly seconds: number;
  readonly improved: boolean;
}

export interface TrainedMlp {
  readonly layers: readonly DenseLayer[];
  readonly bestEpoch: number;
  readonly epochs: readonly EpochReport[];
  readonly stoppedEarly: boolean;
}

export interface MlpTrainingRun {
  readonly tf: Tensorflow;
  readonly width: number;
  readonly train: TrainingPart;
  readonly validationX: Float32Array;
  /** Scores the validation logits; higher is better. */
  readonly validationScore: (logits: Float32Array) => number;
  readonly options: MlpOptions;
  /** Applied to the rows before the first layer (piecewise-linear.ts); not trained. */
  readonly encoding?: PiecewiseLinearEncoding | undefined;
  readonly random: Random;
  readonly onEpoch?: (report: EpochReport) => void;
}

export async function trainMlp(run: MlpTrainingRun): Promise<TrainedMlp> {
  const { tf, width, train, options, random } = run;
  const n = train.labels.length;
  if (train.x.length !== n * width) throw new RangeError(`training matrix has ${train.x.length} values, expected ${n} × ${width}`);
  if (options.batchSize < 1 || options.maxEpochs < 1) throw new RangeError('batchSize and maxEpochs must be at least 1');

  const encoding = run.encoding;
  if (encoding !== undefined && encoding.inputSize !== width) throw new RangeError(`the encoding reads ${encoding.inputSize} features, the rows have ${width}`);
  let layers = initialLayers(encoding === undefined ? width : encodedWidth(encoding), options.hiddenLayers, initialOutputBias(train), random.fork());
  const encoded = encoding && encodingTensors(tf, encoding);
  const shuffle = random.fork();
  const x = tf.tensor2d(train.x, [n, width]);
  const y = tf.tensor1d(Float32Array.from(train.labels));
  const w = tf.tensor1d(train.weights);
  const variables = layers.map((layer) => ({
    kernel: tf.variable(tf.tensor2d(layer.weights, [layer.inputSize, layer.outputSize])),
    bias: tf.variable(tf.tensor1d(layer.bias)),
  }));
  const trainable = variables.flatMap((v) => [v.kernel, v.bias]);
  const optimizer = tf.train.adam(options.learningRate);
  if (!(options.weightAveraging >= 0 && options.weightAveraging < 1)) {
    throw new RangeError(`weightAveraging must be in [0, 1), got ${options.weightAveraging}`);
  }
  // Never average over much more than an epoch of steps: on a small training set a 1000-step
  // horizon would still be mostly the initial weights when training ends.
  const stepsPerEpoch = Math.ceil(expectedEpochRows(train.labels, options.negativeSampling) / options.batchSize);
  const decay = Math.min(options.weightAveraging, 1 - 1 / stepsPerEpoch);
  const averages =
    decay > 0 ? variables.map((v) => ({ kernel: tf.variable(v.kernel.clone()), bias: tf.variable(v.bias.clone()) })) : undefined;
  const averageStep = (): void => {
    if (averages === undefined) return;
    tf.tidy(() => {
      variables.forEach((v, i) => {
        const a = averages[i]!;
        a.kernel.assign(tf.add(tf.mul(a.kernel, decay), tf.mul(v.kernel, 1 - decay)));
        a.bias.assign(tf.add(tf.mul(a.bias, decay), tf.mul(v.bias, 1 - decay)));
      });
    });
  };

  const forward = (input: tfTypes.Tensor2D): tfTypes.Tensor1D => {
    let h: tfTypes.Tensor2D = input;
    if (encoded !== undefined) h = encodeInputs(tf, h, encoded);
    variables.forEach((v, i) => {
      const z = tf.add(tf.matMul(h, v.kernel), v.bias) as tfTypes.Tensor2D;
      h = layers[i]!.activation === 'relu' ? tf.relu(z) : z;
    });
    return tf.reshape(h, [-1]) as tfTypes.Tensor1D;
  };

  const epochs: EpochReport[] = [];
  let best = Number.NEGATIVE_INFINITY;
  let bestLayers = layers;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      const started = performance.now();
      const visit = epochRows(train.labels, options.negativeSampling, shuffle);
      const order = tf.tensor1d(visit, 'int32');
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < visit.length; start += options.batchSize) {
        const size = Math.min(options.batchSize, visit.length - start);
        const loss = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const index = tf.slice(order, [start], [size]);
              const logits = forward(tf.gather(x, index));
              const labels = tf.gather(y, index);
              const rowWeights = tf.gather(w, index);
              // Binary cross-entropy from logits, stable: max(z,0) − z·y + log(1 + e^−|z|).
              const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
              let total = tf.mean(tf.mul(bce, rowWeights));
              if (options.l2 > 0) {
                for (const v of variables) total = tf.add(total, tf.mul(options.l2, tf.sum(tf.square(v.kernel))));
              }
              return total as tfTypes.Scalar;
            }),
          true,
          trainable,
        );
        averageStep();
        if (loss) {
          lossSum += (await loss.data())[0]!;
          loss.dispose();
        }
        batches++;
      }
      order.dispose();

      layers = readLayers(averages ?? variables, layers);
      const score = run.validationScore(mlpLogits(tf, layers, run.validationX, encoding));
      const improved = score > best;
      if (improved) {
        best = score;
        bestLayers = layers;
        bestEpoch = epoch;
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      const report: EpochReport = {
        epoch,
        trainLoss: lossSum / batches,
        validationScore: score,
        seconds: (performance.now() - started) / 1000,
        improved,
      };
      epochs.push(report);
      run.onEpoch?.(report);
      if (sinceBest >= options.patience) {
        stoppedEarly = epoch < options.maxEpochs;
        break;
      }
    }
  } finally {
    x.dispose();
    y.dispose();
    w.dispose();
    for (const v of [...variables, ...(averages ?? [])]) {
      v.kernel.dispose();
      v.bias.dispose();
    }
    optimizer.dispose();
    if (encoded !== undefined) for (const t of Object.values(encoded)) t.dispose();
  }
  return { layers: bestLayers, bestEpoch, epochs, stoppedEarly };
}

/** Output logits of the network for standardised rows (encoded first when it has an encoding), computed by tfjs in chunks. */
export function mlpLogits(tf: Tensorflow, layers: readonly DenseLayer[], x: Float32Array, encoding?: PiecewiseLinearEncoding): Float32Array {
  const width = encoding?.inputSize ?? layers[0]!.inputSize;
  const n = x.length / width;
  const out = new Float32Array(n);
  const chunk = 65_536;
  const kernels = layers.map((l) => tf.tensor2d(l.weights, [l.inputSize, l.outputSize]));
  const biases = layers.map((l) => tf.tensor1d(l.bias));
  const encoded = encoding && encodingTensors(tf, encoding);
  try {
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      const logits = tf.tidy(() => {
        let h = tf.tensor2d(x.subarray(start * width, (start + rows) * width), [rows, width]);
        if (encoded !== undefined) h = encodeInputs(tf, h, encoded);
        layers.forEach((layer, i) => {
          const z = tf.add(tf.matMul(h, kernels[i]!), biases[i]!) as tfTypes.Tensor2D;
          h = layer.activation === 'relu' ? tf.relu(z) : z;
        });
        return h;
      });
      out.set(logits.dataSync(), start);
      logits.dispose();
    }
  } finally {
    for (const t of [...kernels, ...biases, ...(encoded === undefined ? [] : Object.values(encoded))]) t.dispose();
  }
  return out;
}

export function describeArchitecture(layers: readonly DenseLayer[]): string {
  return [layers[0]!.inputSize, ...layers.map((l) => l.outputSize)].join('-');
}

/** He-uniform weights for ReLU layers, Glorot-uniform for the output; zero biases but the output's. */
function initialLayers(width: number, hidden: readonly number[], outputBias: number, random: Random): DenseLayer[] {
  const sizes = [width, ...hidden, 1];
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const inputSize = sizes[i]!;
    const outputSize = sizes[i + 1]!;
    const isOutput = i + 2 === sizes.length;
    const limit = isOutput ? Math.sqrt(6 / (inputSize + outputSize)) : Math.sqrt(6 / inputSize);
    const weights = new Float32Array(inputSize * outputSize);
    for (let k = 0; k < weights.length; k++) weights[k] = (2 * random.next() - 1) * limit;
    const bias = new Float32Array(outputSize);
    if (isOutput) bias[0] = outputBias;
    layers.push({ inputSize, outputSize, weights, bias, activation: isOutput ? 'linear' : 'relu' });
  }
  return layers;
}

/**
 * The output bias starts at the logit of the weighted positive rate, so the first epochs learn
 * which rows are positive rather than how rare positives are (Karpathy, "A recipe for training
 * neural networks", 2019: "init well").
 */
function initialOutputBias(train: TrainingPart): number {
  let positive = 0;
  let total = 0;
  for (let i = 0; i < train.labels.length; i++) {
    total += train.weights[i]!;
    if (train.labels[i] === 1) positive += train.weights[i]!;
  }
  const rate = Math.min(Math.max(positive / total, 1e-6), 1 - 1e-6);
  return Math.log(rate / (1 - rate));
}

function readLayers(
  variables: readonly { kernel: tfTypes.Variable; bias: tfTypes.Variable }[],
  shape: readonly DenseLayer[],
): DenseLayer[] {
  return variables.map((v, i) => ({
    ...shape[i]!,
    weights: Float32Array.from(v.kernel.dataSync()),
    bias: Float32Array.from(v.bias.dataSync()),
  }));
}

function expectedEpochRows(labels: Uint8Array, negativeShare: number): number {
  if (negativeShare > 1) return labels.length * negativeShare;
  let positives = 0;
  for (const y of labels) positives += y;
  return positives + (labels.length - positives) * negativeShare;
}

/**
 * The rows an epoch visits, in a seeded random order. With `negativeShare` at most 1: every
 * positive, and each negative with probability `negativeShare`. Above 1 (a small training set
 * under `negativeSampling: 'auto'`): every row `negativeShare` times on average (its whole part
 * each, plus once more with the probability of its fraction), so an epoch is several passes.
 * Fisher–Yates shuffle: the same seed visits the same rows in the same order.
 */
export function epochRows(labels: Uint8Array, negativeShare: number, random: Random): Int32Array {
  if (!(negativeShare > 0 && Number.isFinite(negativeShare))) throw new RangeError(`negativeSampling must be a positive number, got ${negativeShare}`);
  const passes = negativeShare > 1 ? Math.floor(negativeShare) : 0;
  const extra = negativeShare > 1 ? negativeShare - passes : 0;
  const picked = new Int32Array(negativeShare > 1 ? labels.length * (passes + 1) : labels.length);
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (passes > 0) {
      for (let k = 0; k < passes; k++) picked[n++] = i;
      if (extra > 0 && random.next() < extra) picked[n++] = i;
    } else if (labels[i] === 1 || negativeShare === 1 || random.next() < negativeShare) {
      picked[n++] = i;
    }
  }
  const order = picked.slice(0, n);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
