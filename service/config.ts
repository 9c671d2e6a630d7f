import { z } from 'zod';
import { envInteger, envNumber } from './http/text-number.ts';
import { PORT_CODE_PATTERN } from '../features/crossing-event.schema.ts';
import { formatIssues } from '../features/format-issues.ts';
import { MIN_BUDGET_WINDOW } from './scoring/budget-threshold.ts';

/**
 * The service's configuration: every environment variable it reads, parsed once at start and
 * validated with zod. A bad value stops the process with a message naming the variable, before
 * anything is opened or listened on. Everything else receives the typed `ServiceConfig`.
 *
 * `REFERRAL_ID_KEY` is not parsed here: the store owns its format and its production rule
 * (store/identifiers.ts `resolveIdentifierKey`), and the app asks it with the same environment.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;


const share = (max: number) => envNumber(0, max);

const path = z.string().trim().min(1, { error: 'must not be empty' });

/**
 * `REFERRAL_BUDGETS=2504=0.02,0250=0.015`: per port, the share of scored inbound crossings the
 * model may recommend for referral. Random selections come on top of the budget.
 */
export function parseBudgets(text: string): Map<string, number> | string {
  const budgets = new Map<string, number>();
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(entry);
    if (!match) return `"${entry}" must be PORT=SHARE, e.g. 2504=0.02`;
    const [, port, value] = match as unknown as [string, string, string];
    if (!PORT_CODE_PATTERN.test(port)) return `"${port}" must be a 4-digit port code`;
    const budget = Number(value);
    if (!Number.isFinite(budget) || budget <= 0 || budget >= 1) return `budget of port ${port} must be a share in (0, 1), got "${value}"`;
    if (budgets.has(port)) return `port ${port} is listed twice`;
    budgets.set(port, budget);
  }
  return budgets;
}

const budgets = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const parsed = parseBudgets(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const MAX_BUDGET_WINDOW = 1_000_000;

export const configSchema = z.object({
  PORT: envInteger(0, 65535).default(8080).describe('TCP port to listen on'),
  HOST: z.string().trim().min(1, { error: 'must not be empty' }).default('0.0.0.0').describe('Address to listen on'),
  REFERRAL_DB: path.default('data/referral.db').describe('SQLite file: history, decisions, outcomes'),
  MODELS_DIR: path.default('models').describe('Model registry: one folder per version'),
  MODEL_VERSION: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'must be a model folder name (letters, digits, . _ -)' })
    .default('default')
    .describe('Production model: the folder under MODELS_DIR'),
  REFERRAL_TOKENS_FILE: path.default('data/tokens.json').describe('Hashed API tokens (npm run token)'),
  RANDOM_REFERRAL_RATE: share(0.5).default(0.005).describe('Probability that a scored crossing is selected for referral at random'),
  REFERRAL_BUDGETS: budgets.describe('Per-port referral budgets, PORT=SHARE,...'),
  // Below MIN_BUDGET_WINDOW the window never holds enough scores and the budget never applies.
  REFERRAL_BUDGET_WINDOW: envInteger(MIN_BUDGET_WINDOW, MAX_BUDGET_WINDOW)
    .default(2000)
    .describe('Recent scored crossings per port whose score quantile sets a budgeted threshold'),
  DECISION_LOG_FSYNC: z
    .enum(['wal-fsync', 'inline'], { error: 'must be wal-fsync or inline' })
    .default('wal-fsync')
    .describe('How a commit reaches stable storage before the reply: fsync of the WAL off the event loop, or synchronous=FULL'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  BODY_LIMIT_BYTES: envInteger(1024, 16 * 1024 * 1024).default(64 * 1024).describe('Largest request body accepted'),
  CROSSINGS_BATCH_MAX: envInteger(1, 10_000).default(1000).describe('Most crossings in one POST /v1/crossings'),
  MAX_IN_FLIGHT: envInteger(1, 1_000_000).default(512).describe('Concurrent write requests before 503'),
  MAX_EVENT_LOOP_DELAY_MS: envInteger(10, 60_000).default(500).describe('Event-loop delay above which requests get 503'),
  SHUTDOWN_GRACE_MS: envInteger(0, 600_000).default(10_000).describe('Time to finish in-flight requests on SIGTERM'),
  NODE_ENV: z.string().optional(),
}).superRefine((config, ctx) => {
  // A budget that allows no referral in a full window (floor(budget * window) = 0) would never
  // apply: the port would stay on the card's threshold without a word (budget-threshold.ts).
  for (const [port, budget] of config.REFERRAL_BUDGETS) {
    if (Math.floor(budget * config.REFERRAL_BUDGET_WINDOW) >= 1) continue;
    // The smallest window that allows one referral, found by the same floor the threshold uses
    // (1/budget can round just below it); none when even the largest window allows none.
    const smallest = Math.ceil(1 / budget);
    const window = [smallest, smallest + 1].find((n) => n <= MAX_BUDGET_WINDOW && Math.floor(budget * n) >= 1);
    ctx.addIssue({
      code: 'custom',
      path: ['REFERRAL_BUDGETS'],
      message:
        window === undefined
          ? `budget of port ${port} (${budget}) allows no referral in any window up to ${MAX_BUDGET_WINDOW} crossings: raise it to at least ${1 / MAX_BUDGET_WINDOW}`
          : `budget of port ${port} (${budget}) allows no referral in a window of ${config.REFERRAL_BUDGET_WINDOW} crossings: set REFERRAL_BUDGET_WINDOW to at least ${window}`,
    });
  }
});

export type ServiceConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError whose message names each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ServiceConfig {
  // An empty variable means "not set" (as `FOO= npm start` sets it), so defaults apply.
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, { input: present }));
  return parsed.data;
}
