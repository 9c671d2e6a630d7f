import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../service/app.ts';
import { ROLES, type Role } from '../../../service/auth/roles.ts';
import { addToken, createToken, emptyTokenFile, writeTokenFile, type TokenFile } from '../../../service/auth/token-file.ts';
import { loadConfig } from '../../../service/config.ts';
import type { UniformSource } from '../../../service/scoring/random-selection.ts';
import { writeTestModel } from './test-model.ts';

/** A fixed identifier key (64 hex digits): tests never use the public development key's warning path. */
export const TEST_ID_KEY = 'a1'.repeat(32);

export interface TestApp {
  readonly app: FastifyInstance;
  /** One live token per role. */
  readonly tokens: Readonly<Record<Role, string>>;
  readonly dir: string;
  readonly dbPath: string;
  readonly modelsDir: string;
  readonly tokensFile: string;
  /** Authorization header for a role. */
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly env?: Record<string, string>;
  readonly clock?: () => number;
  readonly uniform?: UniformSource;
  readonly freeDiskBytes?: () => Promise<number>;
  /** Reuse a folder (database, tokens, model) from an earlier app: restarts. */
  readonly dir?: string;
  /** Log errors to stdout (debugging a test); silent by default. */
  readonly logErrors?: boolean;
  /** Every log line at info and above, as written (JSON). */
  readonly logLines?: string[];
}

export async function writeTokens(path: string): Promise<Record<Role, string>> {
  let file: TokenFile = emptyTokenFile();
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    const created = createToken(`test-${role}`, role);
    file = addToken(file, created.entry);
    tokens[role] = created.token;
  }
  writeTokenFile(path, file);
  return tokens;
}

/**
 * The service's environment for a test folder laid out as buildTestApp lays it out: the SQLite
 * file, the tokens file and (unless `modelsDir` says otherwise) the model registry in `dir`.
 */
export function testServiceEnv(dir: string, options: { modelsDir?: string; modelVersion?: string } = {}): Record<string, string> {
  return {
    REFERRAL_DB: join(dir, 'referral.db'),
    MODELS_DIR: options.modelsDir ?? join(dir, 'models'),
    MODEL_VERSION: options.modelVersion ?? 'test-lr',
    REFERRAL_TOKENS_FILE: join(dir, 'tokens.json'),
    REFERRAL_ID_KEY: TEST_ID_KEY,
  };
}

/** The real app on a temporary SQLite file, a real ONNX model and a tokens file; close() removes the folder. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const reuse = options.dir !== undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'referral-service-')));
  const modelsDir = join(dir, 'models');
  const tokensFile = join(dir, 'tokens.json');
  const dbPath = join(dir, 'referral.db');
  if (!reuse) await writeTestModel(modelsDir);
  const tokens = reuse ? ({} as Record<Role, string>) : await writeTokens(tokensFile);
  const env = {
    ...testServiceEnv(dir),
    RANDOM_REFERRAL_RATE: '0',
    ...options.env,
  };
  const app = await buildApp({
    config: loadConfig(env),
    env,
    logger:
      options.logLines !== undefined
        ? { level: 'info', stream: { write: (line: string) => void options.logLines!.push(line) } }
        : options.logErrors === true
          ? { level: 'error' }
          : false,
    tokenPollMs: 0,
    collectProcessMetrics: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.uniform === undefined ? {} : { uniform: options.uniform }),
    ...(options.freeDiskBytes === undefined ? {} : { freeDiskBytes: options.freeDiskBytes }),
  });
  await app.ready();
  return {
    app,
    tokens,
    dir,
    dbPath,
    modelsDir,
    tokensFile,
    auth: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    close: async () => {
      await app.close();
      if (!reuse) await rm(dir, { recursive: true, force: true });
    },
  };
}
