import { describe, expect, test } from 'vitest';
import type { OutcomeReport } from '../../../service/decisions/decision-record.ts';
import { factsForOutcome } from '../../../service/outcomes/outcome-facts.ts';

const released: OutcomeReport = { referred: false, reason: null, result: null, items: [] };
const referred: OutcomeReport = { referred: true, reason: 'model', result: null, items: [] };
const noSeizure: OutcomeReport = { ...referred, result: 'no_seizure' };
const seizure: OutcomeReport = { ...referred, result: 'seizure', items: [{ category: 'cocaine', quantity: 2, unit: 'kg' }] };
const keys = ['vehicle', 'driver', 'passenger'];

describe('factsForOutcome', () => {
  test('a first report of a referral with a seizure records both facts for every entity', () => {
    const facts = factsForOutcome(null, seizure, keys, 1000);
    expect(facts).toEqual([
      { entityKey: 'vehicle', kind: 'referral', delta: 1, recordedAt: 1000 },
      { entityKey: 'driver', kind: 'referral', delta: 1, recordedAt: 1000 },
      { entityKey: 'passenger', kind: 'referral', delta: 1, recordedAt: 1000 },
      { entityKey: 'vehicle', kind: 'seizure', delta: 1, recordedAt: 1000 },
      { entityKey: 'driver', kind: 'seizure', delta: 1, recordedAt: 1000 },
      { entityKey: 'passenger', kind: 'seizure', delta: 1, recordedAt: 1000 },
    ]);
  });

  test('a release records nothing', () => {
    expect(factsForOutcome(null, released, keys, 1000)).toEqual([]);
  });

  test('a correction records only the difference: the result arriving adds the seizure alone', () => {
    expect(factsForOutcome(referred, seizure, ['vehicle'], 2000)).toEqual([{ entityKey: 'vehicle', kind: 'seizure', delta: 1, recordedAt: 2000 }]);
    expect(factsForOutcome(referred, noSeizure, ['vehicle'], 2000)).toEqual([]);
  });

  test('a correction to "not referred" withdraws the referral and the seizure with -1 facts', () => {
    expect(factsForOutcome(seizure, released, ['vehicle'], 3000)).toEqual([
      { entityKey: 'vehicle', kind: 'referral', delta: -1, recordedAt: 3000 },
      { entityKey: 'vehicle', kind: 'seizure', delta: -1, recordedAt: 3000 },
    ]);
  });

  test('a traveler listed twice is counted once', () => {
    expect(factsForOutcome(null, referred, ['vehicle', 'driver', 'driver'], 1)).toHaveLength(2);
  });
});
