import { parseBiasInjection } from './audit.ts';
import { DEFAULT_BASE_RATE, DEFAULT_START, type SimulationOptions } from './options.ts';

export const SIMULATE_USAGE = `usage: npm run simulate -- --seed N --vehicles N --days N --out DIR [--start ${DEFAULT_START}] [--base-rate ${DEFAULT_BASE_RATE}] [--inject-bias ATTRIBUTE=VALUE[:STRENGTH]]`;

export interface SimulateArguments {
  readonly options: SimulationOptions;
  readonly out: string;
}

/** The flag each option is given by, for messages about options that fail later checks. */
export const FLAG_OF: Readonly<Record<keyof SimulationOptions, string>> = {
  seed: '--seed',
  vehicles: '--vehicles',
  days: '--days',
  start: '--start',
  baseRate: '--base-rate',
  injectBias: '--inject-bias',
};

const FLAGS = ['--seed', '--vehicles', '--days', '--out', '--start', '--base-rate', '--inject-bias'] as const;
type Flag = (typeof FLAGS)[number];

/**
 * Parses the command line (`--flag value` or `--flag=value`). Returns the arguments, or a one-line
 * message naming the flag at fault. Range checks beyond the syntax happen in resolveSimulationOptions.
 */
export function parseSimulateArguments(argv: readonly string[]): SimulateArguments | { readonly error: string } {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!(FLAGS as readonly string[]).includes(name)) {
      return { error: `unknown argument '${arg}' (expected ${FLAGS.join(', ')})` };
    }
    const flag = name as Flag;
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { error: `${flag}: needs a value` };
      i++;
    }
    if (values.has(flag)) return { error: `${flag}: given more than once` };
    values.set(flag, value);
  }
  for (const required of ['--seed', '--vehicles', '--days', '--out'] as const) {
    if (!values.has(required)) return { error: `${required} is required; ${SIMULATE_USAGE}` };
  }
  const integer = (flag: Flag): number | string => {
    const text = values.get(flag)!;
    return /^\d+$/.test(text) ? Number(text) : `${flag}: must be a non-negative integer, got '${text}'`;
  };
  const seed = integer('--seed');
  if (typeof seed === 'string') return { error: seed };
  const vehicles = integer('--vehicles');
  if (typeof vehicles === 'string') return { error: vehicles };
  const days = integer('--days');
  if (typeof days === 'string') return { error: days };
  const out = values.get('--out')!;
  if (out.trim() === '') return { error: '--out: must be a directory path' };

  let baseRate: number | undefined;
  const baseRateText = values.get('--base-rate');
  if (baseRateText !== undefined) {
    baseRate = Number(baseRateText);
    if (baseRateText.trim() === '' || !Number.isFinite(baseRate)) return { error: `--base-rate: must be a number, got '${baseRateText}'` };
  }
  const biasText = values.get('--inject-bias');
  const injectBias = biasText === undefined ? null : parseBiasInjection(biasText);
  if (typeof injectBias === 'string') return { error: `--inject-bias: ${injectBias}` };
  return { options: { seed, vehicles, days, start: values.get('--start'), baseRate, injectBias }, out };
}
