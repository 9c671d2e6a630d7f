import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Principal } from './roles.ts';
import { hashToken, looksLikeToken, readTokenFile, type TokenFile } from './token-file.ts';

/**
 * The live tokens, keyed by their SHA-256, for the per-request check. The file is watched, so a
 * token created or revoked with `npm run token` takes effect within `pollMs` without a restart.
 * A file that becomes unreadable keeps the last good set and is reported through `onReloadError`.
 */
export interface TokenRegistry {
  /** The principal of a bearer token, or undefined when it is unknown or revoked. */
  authenticate(token: string): Principal | undefined;
  /** Live tokens. */
  size(): number;
  reload(): void;
  close(): void;
}

export interface TokenRegistryOptions {
  readonly path: string;
  /** How often the file's mtime is checked. Default 2 s; 0 disables watching (tests). */
  readonly pollMs?: number;
  readonly onReload?: (live: number) => void;
  readonly onReloadError?: (error: Error) => void;
}

export function principalsByHash(file: TokenFile): Map<string, Principal> {
  const byHash = new Map<string, Principal>();
  for (const entry of file.tokens) {
    if (entry.revokedAt !== undefined) continue;
    byHash.set(entry.sha256, { tokenId: entry.id, name: entry.name, role: entry.role });
  }
  return byHash;
}

export function createTokenRegistry(options: TokenRegistryOptions): TokenRegistry {
  // Read once, synchronously: a malformed file at start is a start-up error, not a silent lock-out.
  let byHash = principalsByHash(readTokenFile(options.path));
  // Tokens already checked, so a console's every request does not hash its token again. Only
  // live tokens enter (bounded by the file), and a reload empties it, so revocation still holds.
  let checked = new Map<string, Principal>();
  const pollMs = options.pollMs ?? 2000;

  const reload = (): void => {
    byHash = principalsByHash(readTokenFile(options.path));
    checked = new Map();
    options.onReload?.(byHash.size);
  };

  const authenticate = (token: string): Principal | undefined => {
    const known = checked.get(token);
    if (known !== undefined) return known;
    if (!looksLikeToken(token)) return undefined;
    const principal = byHash.get(hashToken(token));
    if (principal !== undefined) checked.set(token, principal);
    return principal;
  };

  const onChange = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
    try {
      reload();
    } catch (error) {
      options.onReloadError?.(error as Error);
    }
  };
  if (pollMs > 0) watchFile(options.path, { interval: pollMs, persistent: false }, onChange);

  return {
    authenticate,
    size: () => byHash.size,
    reload,
    close: () => {
      if (pollMs > 0) unwatchFile(options.path, onChange);
    },
  };
}
