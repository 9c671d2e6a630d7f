import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT } from '../../features/feature-spec.ts';
import { DATASET_COLUMNS, datasetFields, type DriverAudit } from '../../training/dataset-columns.ts';

const ageBandOf = (audit: DriverAudit | undefined, timestamp = '2025-06-01T08:00:00-07:00'): string => {
  const fields = datasetFields({ features: new Float32Array(FEATURE_COUNT), label: 0, weight: 1, timestamp, port: '2504', audit });
  return fields[DATASET_COLUMNS.indexOf('ageBand')]!;
};

describe('the dataset ageBand column', () => {
  it('uses the bands of the fairness monitoring, so the groups of a model card and of live monitoring match', () => {
    // 2025 − birth year, as monitoring computes it: 17 → 0-17, 18 and 24 → 18-24, 25 → 25-34, 65 → 65+.
    expect([2008, 2007, 2001, 2000, 1960].map((birthYear) => ageBandOf({ birthYear }))).toEqual(['0-17', '18-24', '18-24', '25-34', '65+']);
  });

  it('is empty, as every attribute not recorded, without a birth year or with one after the crossing', () => {
    expect(ageBandOf(undefined)).toBe('');
    expect(ageBandOf({ sex: 'female' })).toBe('');
    expect(ageBandOf({ birthYear: 2030 })).toBe('');
  });

  it('takes the year of the crossing instant (UTC), as monitoring does', () => {
    // 23:30 on 31 December at UTC−8 is already 2026 in UTC: 2026 − 2008 = 18.
    expect(ageBandOf({ birthYear: 2008 }, '2025-12-31T23:30:00-08:00')).toBe('18-24');
  });
});
