import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { ROLES, isRole } from './roles.ts';
import { addToken, createToken, readTokenFile, revokeToken, writeTokenFile } from './token-file.ts';

/**
 * `npm run token -- create --role officer --name console-12`  prints a new token once
 * `npm run token -- list`                                       names, roles, ids (never tokens)
 * `npm run token -- revoke --name console-12`
 * The file is REFERRAL_TOKENS_FILE (default data/tokens.json) or `--file`. A running service
 * picks up changes within two seconds.
 */
const USAGE = `usage:
  npm run token -- create --role ${ROLES.join('|')} --name NAME [--file PATH]
  npm run token -- list [--file PATH]
  npm run token -- revoke --name NAME [--file PATH]`;

function main(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      file: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  const path = values.file ?? loadConfig(process.env).REFERRAL_TOKENS_FILE;

  switch (command) {
    case 'create': {
      if (values.role === undefined || !isRole(values.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      if (values.name === undefined) throw new Error('--name is required, e.g. --name console-12');
      const created = createToken(values.name, values.role);
      writeTokenFile(path, addToken(readTokenFile(path), created.entry));
      process.stderr.write(`created ${created.entry.role} token "${created.entry.name}" (${created.entry.id}) in ${path}.\n`);
      process.stderr.write('It is shown once and stored only as a hash; send it as "Authorization: Bearer <token>":\n');
      process.stdout.write(`${created.token}\n`);
      return 0;
    }
    case 'list': {
      for (const t of readTokenFile(path).tokens) {
        const state = t.revokedAt === undefined ? 'live' : `revoked ${t.revokedAt}`;
        process.stdout.write(`${t.id}\t${t.role}\t${t.name}\tcreated ${t.createdAt}\t${state}\n`);
      }
      return 0;
    }
    case 'revoke': {
      if (values.name === undefined) throw new Error('--name is required');
      writeTokenFile(path, revokeToken(readTokenFile(path), values.name));
      process.stderr.write(`revoked "${values.name}" in ${path}\n`);
      return 0;
    }
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`token: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
