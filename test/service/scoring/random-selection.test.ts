import { describe, expect, test } from 'vitest';
import { DECISION_ID_PATTERN, uuidV7 } from '../../../service/decisions/decision-id.ts';
import { createCryptoUniform } from '../../../service/scoring/random-selection.ts';

describe('createCryptoUniform', () => {
  test('draws lie in [0, 1) and have the moments of a uniform distribution', () => {
    const uniform = createCryptoUniform(64); // a small buffer, refilled many times
    const n = 200_000;
    let sum = 0;
    let sumSquares = 0;
    let below = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSquares += u * u;
      if (u < 0.005) below++;
    }
    expect(outside).toBe(0);
    // Mean 1/2 and variance 1/12; standard errors 0.00065 and 0.0002: bounds at > 10 sigma.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.007);
    expect(Math.abs(sumSquares / n - (sum / n) ** 2 - 1 / 12)).toBeLessThan(0.003);
    // P(u < 0.005) = 0.005: 1000 expected, sd 31.5.
    expect(Math.abs(below - 1000)).toBeLessThan(320);
  });
});

describe('uuidV7', () => {
  test('puts the milliseconds first, then version 7 and the RFC 9562 variant', () => {
    const fixed = (bytes: Uint8Array): void => {
      bytes.fill(0xff);
    };
    const id = uuidV7(Date.parse('2025-03-01T16:00:00Z'), fixed);
    expect(id).toMatch(DECISION_ID_PATTERN);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.parse('2025-03-01T16:00:00Z'));
    expect(id).toBe('0195526f-9800-7fff-bfff-ffffffffffff');
  });

  test('sorts by time', () => {
    const ids = [3, 1, 2].map((t) => uuidV7(1_700_000_000_000 + t));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
