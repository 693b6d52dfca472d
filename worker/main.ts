import pino from 'pino';
import { parseConfig } from '../domain/config';
import { startWorkers } from './run';

/** Worker process entry point. The Temporal SDK itself shuts workers down gracefully on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'worker' } });
  const workers = await startWorkers(config, logger);
  await workers.done;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
