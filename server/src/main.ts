/**
 * CLI entry (`npm run serve`): environment → config → server; SIGTERM/SIGINT
 * shut down gracefully (sends drained and acked, lastSeen written, store closed).
 * A second signal exits at once.
 */
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { startServer } from './start-server.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`pigeon: ${err.message}`);
  process.exit(2);
}

const log = createLogger(config.logLevel);

process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});

try {
  const server = await startServer({ ...config, logger: log });
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'signal received');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (err) {
  log.fatal({ err }, 'failed to start');
  // A setting that cannot work (e.g. a store that is not the cluster's): say it plainly, as for a bad variable.
  if (err instanceof ConfigError) {
    console.error(`pigeon: ${err.message}`);
    process.exit(2);
  }
  process.exit(1);
}
