import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { connectDatabase } from '../db/connection';
import { parseConfig } from '../domain/config';
import { blobDir } from '../domain/paths';
import { FsBlobStore } from '../storage/fs-blob-store';
import { createApp } from './app';
import { connectTemporalClient } from './temporal';

const MAX_HEADER_BYTES = 64 * 1024;

/** API process entry point: stateless, so any number of replicas may run behind a load balancer. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'api' } });
  if (!config.MONGODB_URI) throw new Error('MONGODB_URI must be set');
  const db = await connectDatabase(config.MONGODB_URI);
  const temporal = await connectTemporalClient(config);
  const app = createApp({ config, db, temporal, blobs: new FsBlobStore(blobDir(config)), logger });
  // Alibaba RPC clients put every parameter in the query: a 99-job AssignJobs is ~14 KB of request line and headers,
  // so Node's default 16 KB header limit is raised.
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app).listen(config.PORT, config.HOST, () => {
    logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api listening');
  });
  const stop = (): void => {
    logger.info('api stopping');
    server.close(() => {
      void Promise.allSettled([db.close(), temporal.connection.close()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
