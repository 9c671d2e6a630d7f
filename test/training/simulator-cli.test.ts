import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSimulateArguments } from '../../training/simulator/cli-arguments.ts';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (args: readonly string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'training/simulate.cli.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('simulate CLI arguments', () => {
  const base = ['--seed', '1', '--vehicles', '10', '--days', '5', '--out', '/tmp/x'];

  it('reads --flag value and --flag=value, with defaults left to the simulator', () => {
    expect(parseSimulateArguments([...base, '--base-rate=0.01', '--inject-bias', 'sex=male:0.7', '--start', '2024-01-01'])).toEqual({
      options: { seed: 1, vehicles: 10, days: 5, start: '2024-01-01', baseRate: 0.01, injectBias: { attribute: 'sex', value: 'male', strength: 0.7 } },
      out: '/tmp/x',
    });
    expect(parseSimulateArguments(base)).toEqual({
      options: { seed: 1, vehicles: 10, days: 5, start: undefined, baseRate: undefined, injectBias: null },
      out: '/tmp/x',
    });
  });

  it('names the flag at fault', () => {
    const error = (args: string[]): string => {
      const parsed = parseSimulateArguments(args);
      return 'error' in parsed ? parsed.error : 'parsed';
    };
    expect(error(['--seed', '1', '--vehicles', '10', '--days', '5'])).toMatch(/^--out is required/);
    expect(error([...base, '--vehicle', '3'])).toMatch(/^unknown argument '--vehicle'/);
    expect(error(['--seed', 'abc', '--vehicles', '10', '--days', '5', '--out', 'd'])).toBe("--seed: must be a non-negative integer, got 'abc'");
    expect(error(['--seed', '1', '--vehicles', '-3', '--days', '5', '--out', 'd'])).toBe("--vehicles: must be a non-negative integer, got '-3'");
    expect(error(['--seed', '1', '--vehicles', '--days', '5', '--out', 'd'])).toBe('--vehicles: needs a value');
    expect(error([...base, '--base-rate', 'lots'])).toBe("--base-rate: must be a number, got 'lots'");
    expect(error([...base, '--inject-bias', 'height=tall'])).toMatch(/^--inject-bias: attribute must be one of sex, citizenship/);
    expect(error([...base, '--seed', '2'])).toBe('--seed: given more than once');
  });
});

describe('npm run simulate', () => {
  it('writes the four files and exits 0', () => {
    const out = join(scratch, 'run');
    const result = cli(['--seed', '5', '--vehicles', '200', '--days', '14', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^wrote [\d,]+ crossings to .* crossings\/s\)$/m);
    for (const file of ['crossings.ndjson', 'truth.ndjson', 'inspections.ndjson', 'manifest.json']) expect(existsSync(join(out, file))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.options.seed).toBe(5);
  });

  it('refuses a bad option with a one-line message naming the flag, and a non-zero exit', () => {
    const result = cli(['--seed', '5', '--vehicles', '200', '--days', '14', '--out', join(scratch, 'bad'), '--base-rate', '0.5']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('simulate: --base-rate: must be a number from 0 to 0.05, got 0.5\n');
    expect(existsSync(join(scratch, 'bad'))).toBe(false);
  });
});
