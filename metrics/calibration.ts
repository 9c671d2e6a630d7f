/**
 * Calibration: does a score of 0.2 mean that 20 % of such crossings hold contraband?
 *
 * Bin layout: B equal-width bins over [0, 1] (default 10): bin i holds probabilities in
 * [i/B, (i+1)/B), the last bin also holds 1. Per bin the (weighted) count, the mean predicted
 * probability and the observed positive rate. Empty bins are left out of the table, as
 * scikit-learn's `calibration_curve` does.
 *
 * Expected calibration error (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et al., ICML 2017):
 *
 *   ECE = Σ_b (n_b / N) · |mean predicted_b − observed rate_b|
 *
 * The sums are kept in a `ReliabilitySums` so that a service can add rows as they come (or add two
 * sums together) and read the table at any time.
 */

export interface ReliabilitySums {
  readonly bins: number;
  /** Weighted rows per bin. */
  readonly count: Float64Array;
  /** Σ w · predicted probability per bin. */
  readonly predicted: Float64Array;
  /** Σ w · label per bin. */
  readonly observed: Float64Array;
}

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
}

export const DEFAULT_CALIBRATION_BINS = 10;

export function createReliabilitySums(bins = DEFAULT_CALIBRATION_BINS): ReliabilitySums {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  return { bins, count: new Float64Array(bins), predicted: new Float64Array(bins), observed: new Float64Array(bins) };
}

/** The bin of a probability: floor(p · B), with 1 in the last bin. */
export function calibrationBin(probability: number, bins: number): number {
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`a probability must be in [0, 1], got ${probability}`);
  return Math.min(Math.floor(probability * bins), bins - 1);
}

/** Adds one row (mutates `sums`). */
export function addToReliability(sums: ReliabilitySums, probability: number, label: number | boolean, weight = 1): void {
  const b = calibrationBin(probability, sums.bins);
  const y = label === true || label === 1 ? 1 : label === false || label === 0 ? 0 : Number.NaN;
  if (Number.isNaN(y)) throw new RangeError(`a label must be 0 or 1, got ${String(label)}`);
  if (!(weight >= 0 && Number.isFinite(weight))) throw new RangeError(`a weight must be a finite number >= 0, got ${weight}`);
  sums.count[b] = (sums.count[b] as number) + weight;
  sums.predicted[b] = (sums.predicted[b] as number) + weight * probability;
  sums.observed[b] = (sums.observed[b] as number) + weight * y;
}

export function reliabilitySums(
  labels: ArrayLike<number | boolean>,
  probabilities: ArrayLike<number>,
  options: { bins?: number; weights?: ArrayLike<number> } = {},
): ReliabilitySums {
  if (labels.length !== probabilities.length) throw new RangeError(`labels has ${labels.length} values, probabilities has ${probabilities.length}`);
  if (options.weights !== undefined && options.weights.length !== labels.length) {
    throw new RangeError(`weights has ${options.weights.length} values, labels has ${labels.length}`);
  }
  const sums = createReliabilitySums(options.bins);
  for (let i = 0; i < labels.length; i++) {
    try {
      addToReliability(sums, probabilities[i] as number, labels[i] as number | boolean, options.weights === undefined ? 1 : (options.weights[i] as number));
    } catch (error) {
      throw new RangeError(`row ${i}: ${(error as Error).message}`);
    }
  }
  return sums;
}

/** The reliability table (non-empty bins, in order). */
export function reliabilityTable(sums: ReliabilitySums): ReliabilityBin[] {
  const table: ReliabilityBin[] = [];
  for (let b = 0; b < sums.bins; b++) {
    const count = sums.count[b] as number;
    if (count === 0) continue;
    table.push({
      lower: b / sums.bins,
      upper: (b + 1) / sums.bins,
      count,
      meanPredicted: (sums.predicted[b] as number) / count,
      observedRate: (sums.observed[b] as number) / count,
    });
  }
  return table;
}

/** ECE over a reliability table; null when the table is empty. */
export function expectedCalibrationError(table: readonly ReliabilityBin[]): number | null {
  let total = 0;
  let sum = 0;
  for (const bin of table) {
    total += bin.count;
    sum += bin.count * Math.abs(bin.meanPredicted - bin.observedRate);
  }
  return total === 0 ? null : sum / total;
}
