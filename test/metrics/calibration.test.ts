import { describe, expect, it } from 'vitest';
import {
  addToReliability,
  calibrationBin,
  createReliabilitySums,
  expectedCalibrationError,
  reliabilitySums,
  reliabilityTable,
} from '../../metrics/calibration.ts';
import { createRandom } from '../../lib/random.ts';

describe('reliability table and expected calibration error', () => {
  // Six rows, ten bins:
  //   p      0.05  0.15  0.12  0.95  1.00  0.55
  //   label   0     1     0     1     1     0
  // bin 0: {0.05}: mean 0.05, observed 0          gap 0.05
  // bin 1: {0.15, 0.12}: mean 0.135, observed ½   gap 0.365
  // bin 5: {0.55}: mean 0.55, observed 0          gap 0.55
  // bin 9: {0.95, 1.00}: mean 0.975, observed 1   gap 0.025   (1.0 belongs to the last bin)
  // ECE = (1·0.05 + 2·0.365 + 1·0.55 + 2·0.025) / 6 = 1.38 / 6 = 0.23
  const p = [0.05, 0.15, 0.12, 0.95, 1.0, 0.55];
  const y = [0, 1, 0, 1, 1, 0];

  it('bins, averages and weighs as worked by hand', () => {
    const table = reliabilityTable(reliabilitySums(y, p));
    expect(table.map((b) => [b.lower, b.upper, b.count])).toEqual([
      [0, 0.1, 1],
      [0.1, 0.2, 2],
      [0.5, 0.6, 1],
      [0.9, 1, 2],
    ]);
    expect(table[1]?.meanPredicted).toBeCloseTo(0.135, 15);
    expect(table[1]?.observedRate).toBe(0.5);
    expect(expectedCalibrationError(table)).toBeCloseTo(0.23, 14);
  });

  it('accumulates row by row as a service would, to the same table', () => {
    const sums = createReliabilitySums(10);
    p.forEach((v, i) => addToReliability(sums, v, y[i] as number));
    expect(reliabilityTable(sums)).toEqual(reliabilityTable(reliabilitySums(y, p)));
  });

  it('is near zero for calibrated probabilities and large for overconfident ones', () => {
    const random = createRandom(5);
    const probabilities = Array.from({ length: 50_000 }, () => random.next());
    const labels = probabilities.map((q) => (random.chance(q) ? 1 : 0));
    expect(expectedCalibrationError(reliabilityTable(reliabilitySums(labels, probabilities)))).toBeLessThan(0.01);
    const overconfident = probabilities.map((q) => (q > 0.5 ? 1 : 0));
    expect(expectedCalibrationError(reliabilityTable(reliabilitySums(labels, overconfident)))).toBeGreaterThan(0.2);
  });

  it('places edges in the upper bin and refuses probabilities outside [0, 1]', () => {
    expect(calibrationBin(0.1, 10)).toBe(1);
    expect(calibrationBin(1, 10)).toBe(9);
    expect(() => reliabilitySums([1], [1.2])).toThrow('row 0: a probability must be in [0, 1], got 1.2');
    expect(expectedCalibrationError([])).toBeNull();
  });
});
