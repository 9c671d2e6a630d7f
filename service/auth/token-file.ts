import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../../features/format-issues.ts';
import { ROLES, type Role } from './roles.ts';
import { jsonErrorWithoutInput } from '../../lib/json-error.ts';

/**
 * API tokens at rest: REFERRAL_TOKENS_FILE holds, per token, its id, name, role and the SHA-256
 * of the token. The token itself is printed once by `npm run token -- create` and never stored.
 *
 * Why a plain SHA-256 and not bcrypt or scrypt: a slow hash protects guessable passwords from
 * offline guessing. These tokens are 256 random bits, so no guessing is feasible and a fast hash
 * loses nothing, while the per-request check stays one hash and one map lookup.
 */

export const TOKEN_PREFIX = 'srt_';
const TOKEN_PATTERN = /^srt_[A-Za-z0-9_-]{43}$/;

const tokenEntrySchema = z.strictObject({
  id: z.string().regex(/^tok_[A-Za-z0-9_-]{12}$/, { error: 'must be tok_ followed by 12 characters' }),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 letters, digits, . _ -' }),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 hex digits' }),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().optional(),
});

const tokenFileSchema = z.strictObject({
  version: z.literal(1),
  tokens: z.array(tokenEntrySchema),
});

export type TokenEntry = z.infer<typeof tokenEntrySchema>;
export type TokenFile = z.infer<typeof tokenFileSchema>;

export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Cheap shape check before hashing: a header that cannot be a token is refused without work. */
export function looksLikeToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function emptyTokenFile(): TokenFile {
  return { version: 1, tokens: [] };
}

/** Reads the file; a missing file is an empty one (a fresh clone), a malformed one is an error naming the entry. */
export function readTokenFile(path: string): TokenFile {
  if (!existsSync(path)) return emptyTokenFile();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // Without V8's quote of the file around the error: a hand-edited file may hold a raw token.
    throw new Error(`${path}: not valid JSON (${jsonErrorWithoutInput((error as Error).message)})`);
  }
  const parsed = tokenFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: ${formatIssues(parsed.error.issues, { input: json }).join('; ')}`);
  return parsed.data;
}

/** Writes atomically (temporary file, then rename) and readable by its owner only. */
export function writeTokenFile(path: string, file: TokenFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export interface NewToken {
  /** The secret, to show once. */
  readonly token: string;
  readonly entry: TokenEntry;
}

export function createToken(name: string, role: Role, now: Date = new Date()): NewToken {
  if (!TOKEN_NAME_PATTERN.test(name)) throw new Error(`--name must be 1-64 letters, digits, . _ - (got "${name}")`);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const entry: TokenEntry = {
    id: `tok_${randomBytes(9).toString('base64url')}`,
    name,
    role,
    sha256: hashToken(token),
    createdAt: now.toISOString(),
  };
  return { token, entry };
}

/** Adds a token; a live token with the same name must be revoked first, so names stay unambiguous in logs. */
export function addToken(file: TokenFile, entry: TokenEntry): TokenFile {
  if (file.tokens.some((t) => t.name === entry.name && t.revokedAt === undefined)) {
    throw new Error(`a token named "${entry.name}" already exists: revoke it first (npm run token -- revoke --name ${entry.name})`);
  }
  return { ...file, tokens: [...file.tokens, entry] };
}

export function revokeToken(file: TokenFile, name: string, now: Date = new Date()): TokenFile {
  let found = false;
  const tokens = file.tokens.map((t) => {
    if (t.name !== name || t.revokedAt !== undefined) return t;
    found = true;
    return { ...t, revokedAt: now.toISOString() };
  });
  if (!found) throw new Error(`no live token named "${name}"`);
  return { ...file, tokens };
}
