import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type ServiceConfig } from './config.ts';

/**
 * `npm start`: reads the configuration, builds the app, listens, and on SIGTERM or SIGINT stops
 * taking connections, lets in-flight requests finish (their decisions are committed: the decision
 * log flushes on close) and exits. A second signal, or SHUTDOWN_GRACE_MS passing, exits at once.
 */
async function main(): Promise<void> {
  let config: ServiceConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`secondary-referral: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let stopping: { readonly reason: string; readonly at: number } | undefined;
  const app = await buildApp({
    config,
    env: process.env,
    onFatal: () => {
      // The decision log cannot guarantee what is on disk: stop, and let the supervisor restart clean.
      void stop('decision log failure', 1);
    },
  });

  async function stop(reason: string, exitCode: number): Promise<void> {
    if (stopping !== undefined) {
      // A signal to the process group (Ctrl-C, systemd's KillMode=control-group, kill -- -PGID)
      // reaches the service twice within milliseconds: from the kernel, and forwarded by npm. That
      // is one request to stop; only a later one means "exit now".
      if (reason === stopping.reason && performance.now() - stopping.at < REPEATED_SIGNAL_MS) return;
      app.log.warn({ reason }, 'second stop request: exiting now');
      process.exit(exitCode || 1);
    }
    stopping = { reason, at: performance.now() };
    app.log.info({ reason }, 'stopping: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'grace period over: exiting with requests unfinished');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await app.close();
      app.log.info('stopped');
      process.exit(exitCode);
    } catch (error) {
      app.log.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  }

  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));

  await app.listen({ port: config.PORT, host: config.HOST }).catch((error: unknown) => {
    throw new Error(`HOST=${config.HOST}, PORT=${config.PORT}: cannot listen: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** How long the same signal again counts as the first one, delivered twice (see stop()). */
const REPEATED_SIGNAL_MS = 1000;

main().catch((error: unknown) => {
  process.stderr.write(`secondary-referral: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
