import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/connection';
import type { BlobStore } from '../storage/blob-store';
import type { Config } from '../domain/config';

/** Everything an activity may touch; built once per worker process and injected into each capability's activities factory. */
export interface ActivityDeps {
  db: Database;
  blobs: BlobStore;
  logger: Logger;
  config: Config;
  /** Activities that message workflows (the router's jobs signal their tenant's router). */
  temporal: Client;
}
