import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Argument parsing shared by the training CLIs: node:util parseArgs (strict, so an unknown or
 * misspelt flag is refused by name), plus typed readers whose messages name the flag and show
 * the bad value.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCliArgs<O extends Options>(args: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function requiredString(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

export function numberFlag(flag: string, value: string | undefined, fallback: number, check: (x: number) => boolean = () => true, rule = ''): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !check(x)) {
    throw new UsageError(`--${flag} '${value}' is not valid${rule ? `: ${rule}` : ''}`);
  }
  return x;
}

export function integerFlag(flag: string, value: string | undefined, fallback: number, min = 1): number {
  return numberFlag(flag, value, fallback, (x) => Number.isInteger(x) && x >= min, `it must be a whole number of at least ${min}`);
}

export function fractionFlag(flag: string, value: string | undefined, fallback: number): number {
  return numberFlag(flag, value, fallback, (x) => x > 0 && x < 1, 'it must be a number between 0 and 1 exclusive');
}

export function choiceFlag<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} '${value}' is not one of ${choices.join(', ')}`);
  }
  return value as T;
}

/** `32,16` → [32, 16]; `none` or `''` → [] (a logistic model with the same pipeline). */
export function layersFlag(value: string | undefined, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  if (value === '' || value === 'none') return [];
  return value.split(',').map((part) => {
    const units = Number(part.trim());
    if (!Number.isInteger(units) || units < 1) {
      throw new UsageError(`--layers '${value}': '${part}' is not a whole number of units (write e.g. --layers 32,16)`);
    }
    return units;
  });
}

/** Runs a CLI's main: usage errors print their message and exit 2, others print and exit 1. */
export function runCli(main: () => Promise<void>, usage: string): void {
  main().then(
    () => {
      process.exitCode ??= 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${usage}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
        process.exitCode = 1;
      }
    },
  );
}
