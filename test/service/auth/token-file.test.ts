import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { addToken, createToken, emptyTokenFile, hashToken, readTokenFile, revokeToken, writeTokenFile } from '../../../service/auth/token-file.ts';
import { createTokenRegistry } from '../../../service/auth/token-registry.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokens-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tokens at rest', () => {
  test('the file holds the SHA-256 of the token, never the token', async () => {
    const path = join(dir, 'tokens.json');
    const { token, entry } = createToken('console-12', 'officer');
    writeTokenFile(path, addToken(emptyTokenFile(), entry));
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(token.slice(4));
    expect(readTokenFile(path).tokens[0]).toMatchObject({ name: 'console-12', role: 'officer', sha256: hashToken(token) });
  });

  test('the registry maps a token to its principal; revoked and unknown tokens map to nothing', () => {
    const path = join(dir, 'tokens.json');
    const officer = createToken('console-12', 'officer');
    const auditor = createToken('audit-1', 'oversight');
    writeTokenFile(path, addToken(addToken(emptyTokenFile(), officer.entry), auditor.entry));
    const registry = createTokenRegistry({ path, pollMs: 0 });
    expect(registry.authenticate(officer.token)).toEqual({ tokenId: officer.entry.id, name: 'console-12', role: 'officer' });
    expect(registry.authenticate(`${officer.token.slice(0, -1)}x`)).toBeUndefined();
    expect(registry.authenticate('not-a-token')).toBeUndefined();
    writeTokenFile(path, revokeToken(readTokenFile(path), 'console-12'));
    registry.reload();
    expect(registry.authenticate(officer.token)).toBeUndefined();
    expect(registry.authenticate(auditor.token)?.role).toBe('oversight');
    registry.close();
  });

  test('a missing file is empty; a malformed one is refused naming the entry', async () => {
    expect(readTokenFile(join(dir, 'none.json')).tokens).toEqual([]);
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ version: 1, tokens: [{ id: 'tok_abcdefghijkl', name: 'x', role: 'king', sha256: 'ab', createdAt: '2025-01-01T00:00:00Z' }] }));
    expect(() => readTokenFile(path)).toThrow(/tokens\.0\.role: must be one of .*tokens\.0\.sha256: must be 64 hex digits/);
    // A hand-edited file that is not JSON: the message does not quote it (it may hold a raw token).
    const pasted = join(dir, 'pasted.json');
    await writeFile(pasted, `{"version":1,"tokens":[{"sha256": srt_${'S'.repeat(43)}}]}`);
    expect(() => readTokenFile(pasted)).toThrow(`${pasted}: not valid JSON (Unexpected token 's')`);
  });

  test('a second live token with the same name is refused', () => {
    const file = addToken(emptyTokenFile(), createToken('console-12', 'officer').entry);
    expect(() => addToken(file, createToken('console-12', 'officer').entry)).toThrow(/already exists: revoke it first/);
  });
});

describe('npm run token', () => {
  test('create prints the token once on stdout; list shows it without the secret', async () => {
    const run = promisify(execFile);
    const file = join(dir, 'tokens.json');
    const cli = join(import.meta.dirname, '../../../service/auth/token.cli.ts');
    const tsx = join(import.meta.dirname, '../../../node_modules/.bin/tsx');
    const created = await run(tsx, [cli, 'create', '--role', 'officer', '--name', 'console-12', '--file', file]);
    const token = created.stdout.trim();
    expect(token).toMatch(/^srt_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown once');
    const registry = createTokenRegistry({ path: file, pollMs: 0 });
    expect(registry.authenticate(token)?.name).toBe('console-12');
    registry.close();
    const listed = await run(tsx, [cli, 'list', '--file', file]);
    expect(listed.stdout).toMatch(/officer\tconsole-12\tcreated .*\tlive/);
    expect(listed.stdout).not.toContain(token);
    await expect(run(tsx, [cli, 'create', '--role', 'king', '--name', 'x', '--file', file])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--role must be one of officer, model_owner, oversight, admin, scraper'),
    });
  });
});
