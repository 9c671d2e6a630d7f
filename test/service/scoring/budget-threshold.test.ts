import { describe, expect, test } from 'vitest';
import { createRandom } from '../../../lib/random.ts';
import { budgetThreshold, MIN_BUDGET_WINDOW, PortBudgets, ScoreWindow } from '../../../service/scoring/budget-threshold.ts';

describe('budgetThreshold', () => {
  const scores = Array.from({ length: 200 }, (_, i) => (i + 1) / 200); // 0.005 … 1.000

  test('is the k-th largest score for k = floor(budget * n)', () => {
    // n = 200, budget 0.02 → k = 4 → the 4th largest: 0.985; exactly 4 scores are >= it.
    expect(budgetThreshold(scores, 0.02)).toBe(0.985);
    expect(scores.filter((s) => s >= 0.985)).toHaveLength(4);
    // budget 0.5 → k = 100 → 0.505.
    expect(budgetThreshold(scores, 0.5)).toBe(0.505);
  });

  test('never splits a tie: a tie group across the cut moves the threshold up, so at most k are referred', () => {
    // Discrete scores, as a tree ensemble's: 1,500 at 0.01, 460 at 0.03, 40 at 0.05; budget 0.02 → k = 40.
    const discrete = [...Array<number>(1500).fill(0.01), ...Array<number>(460).fill(0.03), ...Array<number>(40).fill(0.05)];
    expect(budgetThreshold(discrete, 0.02)).toBe(0.05); // exactly the 40 at 0.05
    // k = 60: the 60th largest is 0.03, shared by 440 crossings below the cut: only the 40 at 0.05 are referred.
    expect(budgetThreshold(discrete, 0.03)).toBe(0.05);
    // The tie at the top score: 100 crossings at 0.9 and a budget of 40 → the threshold lies just above 0.9.
    const top = [...Array<number>(1900).fill(0.1), ...Array<number>(100).fill(0.9)];
    const threshold = budgetThreshold(top, 0.02)!;
    expect(threshold).toBeGreaterThan(0.9);
    expect(threshold - 0.9).toBeLessThan(1e-15);
    expect(top.filter((s) => s >= threshold)).toHaveLength(0);
  });

  test('gives no threshold for a window shorter than MIN_BUDGET_WINDOW or one that allows no referral', () => {
    expect(budgetThreshold(scores.slice(0, MIN_BUDGET_WINDOW - 1), 0.5)).toBeUndefined();
    expect(budgetThreshold(scores, 0.004)).toBeUndefined(); // floor(0.8) = 0
  });

  test('refuses budgets outside (0, 1)', () => {
    expect(() => budgetThreshold(scores, 0)).toThrow(/budget must be in \(0, 1\)/);
    expect(() => budgetThreshold(scores, 1)).toThrow(/budget/);
  });
});

describe('ScoreWindow', () => {
  test('keeps the last `size` scores sorted, the same as sorting them from scratch', () => {
    const random = createRandom(11);
    const window = new ScoreWindow(50);
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const score = Math.round(random.next() * 20) / 20; // many ties, to exercise eviction of equal values
      window.add(score);
      all.push(score);
      const expected = all.slice(-50).sort((a, b) => a - b);
      expect(Array.from(window.ascending())).toEqual(expected);
    }
    expect(window.length).toBe(50);
  });
});

describe('PortBudgets', () => {
  test("uses the card's threshold until a budgeted port's window is long enough, then the window's quantile", () => {
    const budgets = new PortBudgets(new Map([['2504', 0.1]]), 1000);
    expect(budgets.thresholdFor('2504', 0.3)).toEqual({ threshold: 0.3, source: 'model_card' });
    for (let i = 1; i <= 100; i++) budgets.observe('2504', i / 100);
    // n = 100, k = 10 → the 10th largest of 0.01 … 1.00 is 0.91.
    expect(budgets.thresholdFor('2504', 0.3)).toEqual({ threshold: 0.91, source: 'port_budget' });
    // Ports without a budget always use the card.
    budgets.observe('0250', 0.99);
    expect(budgets.thresholdFor('0250', 0.3)).toEqual({ threshold: 0.3, source: 'model_card' });
  });
});
