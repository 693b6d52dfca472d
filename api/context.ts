import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Database } from '../db/connection';
import type { Config } from '../domain/config';
import type { BlobStore } from '../storage/blob-store';

/** What route handlers may use; built once in api/main.ts (or by a test). */
export interface ApiDeps {
  config: Config;
  db: Database;
  temporal: Client;
  blobs: BlobStore;
  logger: Logger;
}

export interface Tenant {
  id: string;
  name: string;
  /** First characters of the caller's API key: identifies the submitter without revealing the key. */
  apiKeyPrefix: string;
}
