import { runAudit } from './audit.ts';

// npm run audit -- --input FILE.csv --label COL (--score COL --threshold X | --prediction COL) --attributes COL[,COL] ...
// The work is in audit.ts (runAudit), which the tests call directly.
process.exitCode = await runAudit(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
