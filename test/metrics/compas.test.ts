import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditResult } from '../../metrics/audit.ts';
import type { FairnessMetric } from '../../metrics/fairness.ts';

/**
 * ProPublica's COMPAS analysis, reproduced through the audit CLI's code path (runAudit is what
 * metrics/audit.cli.ts runs). Published figures (test/fixtures/compas/README.md):
 * - ProPublica, "How We Analyzed the COMPAS Recidivism Algorithm" (2016): FPR 44.85 % vs 23.45 %,
 *   FNR 27.99 % vs 47.72 % (African-American vs Caucasian), prediction = score_text other than Low,
 *   label = two_year_recid, no rows filtered.
 * - Aequitas (Saleiro et al. 2018), disparities of African-American against Caucasian:
 *   FPR 1.912, FNR 0.586, FDR 0.906, FOR 1.213, PPR 2.546, PPrev 1.690, precision 1.065.
 */
// A copy of ../shared/data/compas/ (same sha256, checked below) kept in the repository, so the
// reproduction runs on any checkout instead of being skipped where the shared folder is absent.
const COMPAS = 'test/fixtures/compas/compas-scores-two-years.csv';
const SHA256 = 'c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d';
const ARGS = ['--input', COMPAS, '--label', 'two_year_recid', '--prediction', 'score_text', '--prediction-negative', 'Low', '--attributes', 'race', '--reference', 'race=Caucasian'];

async function audit(extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAudit([...ARGS, ...extra], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('COMPAS reproduction', () => {
  it('is the file the published figures were computed on', () => {
    expect(createHash('sha256').update(readFileSync(COMPAS)).digest('hex')).toBe(SHA256);
  });

  it("reproduces ProPublica's confusion matrices, FPR and FNR, and Aequitas's disparities", async () => {
    const { code, stdout, stderr } = await audit(['--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as AuditResult;
    expect(result).toMatchObject({ rows: 7214, labelled: 7214, referrals: 3317 });
    const [race] = result.tables;
    expect(race?.reference.label).toBe('Caucasian');
    const group = (label: string) => race?.groups.find((g) => g.label === label);
    const aa = group('African-American');
    const white = group('Caucasian');
    // The README's table.
    expect(aa?.counts.labelledRows).toEqual({ truePositives: 1369, falsePositives: 805, falseNegatives: 532, trueNegatives: 990 });
    expect(white?.counts.labelledRows).toEqual({ truePositives: 505, falsePositives: 349, falseNegatives: 461, trueNegatives: 1139 });
    const percent = (v: number | null | undefined): string => ((v as number) * 100).toFixed(2);
    expect(percent(aa?.metrics.falsePositiveRate.value)).toBe('44.85');
    expect(percent(white?.metrics.falsePositiveRate.value)).toBe('23.45');
    expect(percent(aa?.metrics.falseNegativeRate.value)).toBe('27.99');
    expect(percent(white?.metrics.falseNegativeRate.value)).toBe('47.72');
    const aequitas: Record<FairnessMetric, string> = {
      falsePositiveRate: '1.912',
      falseNegativeRate: '0.586',
      falseDiscoveryRate: '0.906',
      falseOmissionRate: '1.213',
      predictedPositiveRatio: '2.546',
      predictedPrevalence: '1.690',
      precision: '1.065',
    };
    for (const [metric, published] of Object.entries(aequitas) as [FairnessMetric, string][]) {
      expect(aa?.disparities[metric].ratio?.toFixed(3), metric).toBe(published);
      const interval = aa?.disparities[metric].interval;
      expect(interval?.lower, metric).toBeLessThan(Number(published));
      expect(interval?.upper, metric).toBeGreaterThan(Number(published));
    }
    // FPR and FNR disparities are far outside [0.8, 1.25] with their whole intervals: flagged.
    expect(aa?.flagged).toEqual(expect.arrayContaining(['falsePositiveRate', 'falseNegativeRate', 'predictedPositiveRatio', 'predictedPrevalence']));
    expect(aa?.disparities.precision.status).toBe('within_band');
    // 18 Native American defendants: too small to judge at the default minimum of 30.
    expect(group('Native American')?.status).toBe('too_small');
  });

  it('prints the same figures as an aligned text table', async () => {
    const { code, stdout } = await audit([]);
    expect(code).toBe(0);
    const aaLines = stdout.split('\n').filter((l) => l.startsWith('African-American '));
    // Group metrics: …, FPR 44.85, FNR 27.99; disparities: PPR 2.546*, PPrev 1.690*, …, FPR 1.912*, FNR 0.586*, FOR 1.213.
    expect(aaLines[0]).toMatch(/3696\s+2174\s+3696\s+1369\s+805\s+532\s+990\s+65\.54\s+58\.82\s+62\.97\s+37\.03\s+44\.85\s+27\.99\s+34\.95$/);
    expect(aaLines[1]).toMatch(/2\.546\*\s+1\.690\*\s+1\.065\s+0\.906\s+1\.912\*\s+0\.586\*\s+1\.213$/);
    expect(stdout).toContain('infra-marginality');
  });
});
