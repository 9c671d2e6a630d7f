import type { DenseLayer } from './mlp.ts';

/**
 * An ensemble of K networks of the same shape, averaged in logit space, written as one wider
 * network, so it exports and serves like any other MLP (training/onnx/export-mlp.ts):
 *
 *   first layer   W = [W₁ | W₂ | … | W_K]            (inputs × K·h₁), biases concatenated
 *   hidden layers W = diag(W₁, W₂, …, W_K)           (block diagonal: member k only sees its own units)
 *   output        W = [W₁; W₂; …; W_K] / K,  b = (b₁ + … + b_K) / K
 *
 * so its logit is exactly (z₁ + … + z_K) / K. Averaging independently initialised networks
 * lowers the variance of the ranking at the top (Lakshminarayanan et al., "Simple and scalable
 * predictive uncertainty estimation using deep ensembles", NeurIPS 2017), which is where a 1 %
 * referral budget reads it.
 */
export function mergeEnsemble(members: readonly (readonly DenseLayer[])[]): DenseLayer[] {
  if (members.length === 0) throw new RangeError('an ensemble needs at least one member');
  const first = members[0]!;
  if (members.length === 1) return [...first];
  for (const [k, member] of members.entries()) {
    if (member.length !== first.length || member.some((l, i) => l.inputSize !== first[i]!.inputSize || l.outputSize !== first[i]!.outputSize)) {
      throw new RangeError(`ensemble member ${k} has another shape than member 0`);
    }
  }
  const count = members.length;
  const last = first.length - 1;
  return first.map((shape, i) => {
    const blockIn = shape.inputSize;
    const blockOut = shape.outputSize;
    const inputSize = i === 0 ? blockIn : blockIn * count;
    const outputSize = i === last ? 1 : blockOut * count;
    const weights = new Float32Array(inputSize * outputSize);
    const bias = new Float32Array(outputSize);
    members.forEach((member, k) => {
      const layer = member[i]!;
      const rowOffset = i === 0 ? 0 : k * blockIn;
      const columnOffset = i === last ? 0 : k * blockOut;
      for (let r = 0; r < blockIn; r++) {
        for (let c = 0; c < blockOut; c++) {
          const w = layer.weights[r * blockOut + c]!;
          // += : a single-layer (logistic) ensemble sums every member into the same cells.
          weights[(rowOffset + r) * outputSize + columnOffset + c]! += i === last ? w / count : w;
        }
      }
      for (let c = 0; c < blockOut; c++) bias[columnOffset + c]! += i === last ? layer.bias[c]! / count : layer.bias[c]!;
    });
    return { inputSize, outputSize, weights, bias, activation: shape.activation };
  });
}
