import os from 'node:os';
import path from 'node:path';

/** Binaries and Go build caches live outside the repository so a fresh clone reuses them. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CCFLOW_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ccflow');
}

export const repoRoot = path.resolve(__dirname, '..');

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CCFLOW_DATA_DIR ?? path.join(repoRoot, '.data'));
}
