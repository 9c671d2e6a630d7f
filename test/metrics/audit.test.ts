import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditResult } from '../../metrics/audit.ts';
import { parseAuditArguments } from '../../metrics/audit-arguments.ts';

const dir = mkdtempSync(join(tmpdir(), 'audit-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small decision export: score, outcome (empty = not inspected), weight, sex, port.
// Threshold 0.5. Rows by sex (pred = score >= 0.5):
//   F: (0.9,1,1) TP · (0.7,0,1) FP · (0.6,,) referred unlabelled · (0.2,1,10) FN w10 · (0.1,0,10) TN w10 · (0.3,,) released unlabelled
//   M: (0.8,1,1) TP · (0.55,1,1) TP · (0.4,0,10) TN w10 · (0.35,,) released unlabelled
const EXPORT = join(dir, 'decisions.csv');
writeFileSync(
  EXPORT,
  [
    'score,found,weight,sex,port',
    '0.9,1,1,F,2304',
    '0.7,0,1,F,2304',
    '0.6,,,F,2304',
    '0.2,1,10,F,0901',
    '0.1,0,10,F,0901',
    '0.3,,,F,0901',
    '0.8,true,1,M,2304',
    '0.55,yes,1,M,0901',
    '0.4,no,10,M,0901',
    '0.35,,,M,2304',
    '',
  ].join('\r\n'),
);
const BAD_LABEL = join(dir, 'bad-label.csv');
writeFileSync(BAD_LABEL, 'score,found,sex\n0.9,1,F\n0.2,maybe,M\n');

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAudit(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const base = ['--input', EXPORT, '--label', 'found', '--score', 'score', '--threshold', '0.5', '--attributes', 'sex'];

describe('audit CLI', () => {
  it('audits a decision export with scores, weights and missing outcomes', async () => {
    const { code, stdout, stderr } = await run([...base, '--weight', 'weight', '--min-count', '0', '--replicates', '50', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as AuditResult;
    expect(result).toMatchObject({ rows: 10, labelled: 7, unlabelled: 3, referrals: 5, prediction: 'score >= 0.5' });
    const f = result.tables[0]?.groups.find((g) => g.label === 'F');
    expect(f).toMatchObject({ decisions: 6, referrals: 3, labelled: 4 });
    expect(f?.counts.labelledWeights).toEqual({ truePositives: 1, falsePositives: 1, falseNegatives: 10, trueNegatives: 10 });
    // Post-stratified (label-coverage.ts): the 2 labelled referrals stand for F's 3 referrals (× 3/2:
    // TP_w 1.5), the labelled releases' weight 20 for F's 3 releases (× 3/20: FN_w 1.5, TN_w 1.5).
    // FNR = FN_w / (TP_w + FN_w) = 1.5/3 (10/11 unadjusted); FOR = 1.5/3; PPrev = 3/6; precision = 1/2.
    expect(f?.metrics.falseNegativeRate.value).toBeCloseTo(0.5, 15);
    expect(f?.metrics.falsePositiveRate.value).toBeCloseTo(0.5, 15);
    expect(f?.metrics.falseOmissionRate.value).toBeCloseTo(0.5, 15);
    expect(f?.metrics.predictedPrevalence.value).toBe(0.5);
    expect(f?.metrics.precision.value).toBe(0.5);
    // Reference: the larger group, F (6 decisions).
    expect(result.tables[0]?.reference).toMatchObject({ label: 'F', chosenBy: 'largest' });
  });

  it('prints the weights the rates are computed from: post-stratified to each group\u2019s referrals and releases', async () => {
    const { code, stdout } = await run([...base, '--weight', 'weight', '--min-count', '0', '--replicates', '50']);
    expect(code).toBe(0);
    // F: TP 1 and FP 1 × 3/2; FN 10 and TN 10 × 3/20 (see above). M: fully labelled referrals (TP 2,
    // FP 0); TN 10 × 2/10 for its 2 releases. Rates: PPR, PPrev, precision, FDR, FPR, FNR, FOR in %.
    expect(stdout).toMatch(/^F +6 +3 +4 +1\.5 +1\.5 +1\.5 +1\.5 +60\.00 +50\.00 +50\.00 +50\.00 +50\.00 +50\.00 +50\.00$/m);
    expect(stdout).toMatch(/^M +4 +2 +3 +2 +0 +0 +2 +40\.00 +50\.00 +100\.00 +0\.00 +0\.00 +0\.00 +0\.00$/m);
  });

  it('reports an intersection when several attributes are named', async () => {
    const argv = ['--input', EXPORT, '--label', 'found', '--score', 'score', '--threshold', '0.5', '--attributes=sex,port', '--min-count', '0', '--replicates', '20', '--json'];
    const { code, stdout } = await run(argv);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as AuditResult;
    expect(result.tables.map((t) => t.attributes.join(','))).toEqual(['sex', 'port', 'sex,port']);
    expect(result.tables[2]?.groups).toHaveLength(4);
  });

  it.each([
    [['--label', 'found'], '--input is required'],
    [['--input', EXPORT, '--score', 'score', '--threshold', '0.5', '--attributes', 'sex'], '--label is required'],
    [['--input', EXPORT, '--label', 'found', '--score', 'score', '--attributes', 'sex'], '--score needs --threshold'],
    [['--input', EXPORT, '--label', 'found', '--attributes', 'sex'], 'give --score COL with --threshold X, or --prediction COL'],
    [[...base, '--threshold', '0.7'], '--threshold is given twice'],
    [[...base.slice(0, 6), '--threshold', 'high', '--attributes', 'sex'], "--threshold must be a number, got 'high'"],
    [[...base, '--reference', 'port=2304'], "--reference names 'port', which is not in --attributes (sex)"],
    [[...base, '--band', '0.8'], "--band must be LOWER,UPPER, got '0.8'"],
    [[...base, '--colour'], 'unknown flag --colour'],
    [[...base, '--replicates', '0'], "--replicates must be an integer >= 1, got '0'"],
  ])('refuses bad arguments naming the flag (%#)', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('refuses a missing column naming the flag and the column', async () => {
    const { code, stderr } = await run(['--input', EXPORT, '--label', 'outcome', '--score', 'score', '--threshold', '0.5', '--attributes', 'sex']);
    expect(code).toBe(2);
    expect(stderr).toContain("--label: ");
    expect(stderr).toContain("has no column 'outcome'; its columns are: score, found, weight, sex, port");
    const attributes = await run([...base.slice(0, 8), '--attributes', 'sex,race']);
    expect(attributes.stderr).toContain("--attributes: ");
    expect(attributes.stderr).toContain("has no column 'race'");
  });

  it('refuses an unknown reference group, naming the groups', async () => {
    const { code, stderr } = await run([...base, '--reference', 'sex=X']);
    expect(code).toBe(2);
    expect(stderr).toContain('--reference: reference group X has no decisions; the groups are: F, M');
  });

  it('refuses a bad value naming the line and the column, and an unreadable file', async () => {
    const bad = await run(['--input', BAD_LABEL, '--label', 'found', '--score', 'score', '--threshold', '0.5', '--attributes', 'sex']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("line 3: --label column 'found' has 'maybe'; expected 0 or 1");
    const missing = await run(['--input', join(dir, 'nope.csv'), '--label', 'found', '--score', 'score', '--threshold', '0.5', '--attributes', 'sex']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--input: cannot read');
    expect(missing.stderr).toContain('ENOENT');
  });

  it('parses --reference as repeated flags or a comma list', () => {
    const options = parseAuditArguments(['--input', 'x', '--label', 'y', '--prediction', 'p', '--attributes', 'a,b', '--reference', 'a=1,b=2']);
    expect(options !== 'help' && options.references).toEqual({ a: '1', b: '2' });
    const repeated = parseAuditArguments(['--input', 'x', '--label', 'y', '--prediction', 'p', '--attributes', 'a,b', '--reference', 'a=1', '--reference=b=x,y']);
    expect(repeated !== 'help' && repeated.references).toEqual({ a: '1', b: 'x,y' });
  });

  it('exits non-zero with the message from the real command', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'metrics/audit.cli.ts', '--input', EXPORT, '--label', 'nope', '--prediction', 'found', '--attributes', 'sex'], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain("audit: --label: ");
    expect(child.stderr).toContain("has no column 'nope'");
  });
});
