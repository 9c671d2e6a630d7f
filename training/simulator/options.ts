import { parseBiasInjection, type BiasInjection } from './audit.ts';
import { DAY_MS, formatDate, parseDate, PORTS } from './ports.ts';

/** What `simulate()` takes. Only `seed`, `vehicles` and `days` are required. */
export interface SimulationOptions {
  /** Any integer in [0, 2^32): the same seed gives the same crossings, bit for bit. */
  readonly seed: number;
  /** Legitimate vehicles (households, fleet vehicles, rental cars); smuggling operations come on top. */
  readonly vehicles: number;
  /** Simulated local days, starting at `start`. */
  readonly days: number;
  /** First local day, YYYY-MM-DD. Default 2025-01-01. */
  readonly start?: string;
  /** Target share of inbound crossings that carry contraband, in [0, 0.05]. Default 0.002 (1 in 500). */
  readonly baseRate?: number;
  /** Make operations recruit from one group (see audit.ts). Default none. */
  readonly injectBias?: BiasInjection | null;
}

export interface ResolvedSimulationOptions {
  readonly seed: number;
  readonly vehicles: number;
  readonly days: number;
  readonly start: string;
  readonly baseRate: number;
  readonly injectBias: BiasInjection | null;
  /** `start` as days since 1970-01-01. */
  readonly startDate: number;
}

export const DEFAULT_START = '2025-01-01';
export const DEFAULT_BASE_RATE = 0.002;
export const MAX_BASE_RATE = 0.05;
export const MAX_VEHICLES = 5_000_000;
export const MAX_DAYS = 3650;

/** Thrown for an option out of range; `option` names it the way the API spells it. */
export class SimulationOptionError extends RangeError {
  constructor(
    readonly option: keyof SimulationOptions,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = 'SimulationOptionError';
  }
}

/**
 * Defaults filled in and every option checked. `now` (epoch ms) refuses a period that would end
 * in the future: `import` and the service refuse crossings more than 5 minutes ahead.
 */
export function resolveSimulationOptions(options: SimulationOptions, now: number): ResolvedSimulationOptions {
  const { seed, vehicles, days } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SimulationOptionError('seed', `must be an integer from 0 to 4294967295, got ${String(seed)}`);
  }
  if (!Number.isInteger(vehicles) || vehicles < 1 || vehicles > MAX_VEHICLES) {
    throw new SimulationOptionError('vehicles', `must be an integer from 1 to ${MAX_VEHICLES}, got ${String(vehicles)}`);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new SimulationOptionError('days', `must be an integer from 1 to ${MAX_DAYS}, got ${String(days)}`);
  }
  const start = options.start ?? DEFAULT_START;
  const startDate = parseDate(start);
  if (startDate === undefined) throw new SimulationOptionError('start', `must be a date YYYY-MM-DD, got '${start}'`);
  // The last local day ends at midnight at the westernmost port: at most 8 hours after midnight UTC.
  const latestOffsetHours = Math.max(...PORTS.map((p) => -p.standardOffsetMinutes / 60));
  const end = (startDate + days) * DAY_MS + latestOffsetHours * 3_600_000;
  if (end > now) {
    throw new SimulationOptionError(
      'days',
      `the period ${start} + ${days} days ends after today (${formatDate(Math.floor(now / DAY_MS))}); crossings in the future are refused by import`,
    );
  }
  const baseRate = options.baseRate ?? DEFAULT_BASE_RATE;
  if (!Number.isFinite(baseRate) || baseRate < 0 || baseRate > MAX_BASE_RATE) {
    throw new SimulationOptionError('baseRate', `must be a number from 0 to ${MAX_BASE_RATE}, got ${String(baseRate)}`);
  }
  const injectBias = options.injectBias ?? null;
  if (injectBias !== null) {
    const checked = parseBiasInjection(`${injectBias.attribute}=${injectBias.value}:${injectBias.strength}`);
    if (typeof checked === 'string') throw new SimulationOptionError('injectBias', checked);
  }
  return { seed, vehicles, days, start, baseRate, injectBias, startDate };
}
