import type { Config } from './config';

/** Blob directory derived from config (pure string logic; callers resolve it against the working directory). */
export function blobDir(config: Config): string {
  return config.CCFLOW_BLOB_DIR ?? `${config.CCFLOW_DATA_DIR}/blobs`;
}
