import { afterAll, describe, expect, test } from 'vitest';
import type { ConfusionCounts } from '../../metrics/confusion.ts';
import { decisionCountsFromConfusion } from '../../metrics/decision-counts.ts';
import { UnknownReferenceGroupError, type GroupCounts } from '../../metrics/fairness.ts';
import { createWorkerFairnessRunner, inProcessFairnessRunner } from '../../service/monitoring/fairness-runner.ts';

const cells = (tp: number, fp: number, fn: number, tn: number): ConfusionCounts => ({ truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn });

// Two attributes, four intersections: enough for the marginal tables and the intersection's.
const groups: GroupCounts[] = [
  { key: ['F', 'USA'], counts: decisionCountsFromConfusion(cells(40, 10, 20, 130)) },
  { key: ['M', 'USA'], counts: decisionCountsFromConfusion(cells(30, 20, 15, 140)) },
  { key: ['F', 'MEX'], counts: decisionCountsFromConfusion(cells(10, 10, 10, 70)) },
  { key: ['M', 'MEX'], counts: decisionCountsFromConfusion(cells(12, 8, 9, 90)) },
];
const options = { attributes: ['sex', 'citizenship'], references: { citizenship: 'USA' }, replicates: 200, seed: 7 };

describe('fairness runner on a worker thread', () => {
  const runner = createWorkerFairnessRunner();
  afterAll(() => runner.close());

  test('gives the same tables as on this thread, bootstrap intervals included (same seed)', async () => {
    const [there, here] = await Promise.all([runner.tables(groups, options), inProcessFairnessRunner.tables(groups, options)]);
    expect(there.map((t) => t.attributes)).toEqual([['sex'], ['citizenship'], ['sex', 'citizenship']]);
    expect(there).toEqual(here);
  });

  test('answers concurrent requests each with its own tables', async () => {
    const [a, b] = await Promise.all([runner.tables(groups, { ...options, seed: 1 }), runner.tables(groups.slice(0, 2), { ...options, attributes: ['sex', 'citizenship'], references: {}, seed: 2 })]);
    expect(a[0]?.groups.map((g) => g.label).sort()).toEqual(['F', 'M']);
    expect(b[1]?.groups.map((g) => g.label)).toEqual(['USA']);
  });

  test('an unknown reference group comes back as UnknownReferenceGroupError naming the groups', async () => {
    const failed = runner.tables(groups, { ...options, references: { citizenship: 'CAN' } });
    await expect(failed).rejects.toBeInstanceOf(UnknownReferenceGroupError);
    await expect(failed).rejects.toThrow(/CAN.*USA, MEX|CAN.*MEX, USA/);
  });

  test('after close, a pending request fails instead of hanging', async () => {
    const closing = createWorkerFairnessRunner();
    const failed = expect(closing.tables(groups, options)).rejects.toThrow('fairness worker closed');
    await closing.close();
    await failed;
  });
});
