import { describe, expect, it } from 'vitest';
import { normaliseIdentifier, repeatedIdentifiers } from '../../lib/normalise-identifier.ts';

describe('identifiers as they are compared and hashed', () => {
  it('reads one plate or document written several ways as one', () => {
    expect(['abc-123', 'ABC 123', 'ABC123', ' a b-c 1\t2-3 '].map(normaliseIdentifier)).toEqual(['ABC123', 'ABC123', 'ABC123', 'ABC123']);
    expect(normaliseIdentifier(' - -')).toBe('');
  });

  it('points each repeat at the first entry it repeats', () => {
    expect(repeatedIdentifiers(['A1', 'b2', 'a-1', 'B 2', 'a1'])).toEqual([-1, -1, 0, 1, 0]);
    expect(repeatedIdentifiers([])).toEqual([]);
  });
});
