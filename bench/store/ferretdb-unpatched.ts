/**
 * An UNPATCHED FerretDB 1.24.2 for the store benchmark only (bench/benchmarks/store.ts): the product runs FerretDB
 * built with ccflow's source patches (dev/ferretdb-patches.ts), and the benchmark keeps a column of the stock build to
 * show what the patches change. Built by dev/install.ts's own build, with no patch, into
 * `<cache>/bench/ferretdb-unpatched`, and reused from there once it reports the pinned version.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildFerretDbFromSource, ferretMatches } from '../../dev/install';
import { cacheDir } from '../../dev/paths';
import { FERRETDB } from '../../dev/versions';
import { log } from '../report';

export const unpatchedFerretDbPath = (): string => path.join(cacheDir(), 'bench', 'ferretdb-unpatched');

/** The stock FerretDB binary's path, built on first use (a few minutes; the Go build cache is shared with setup). */
export function ensureUnpatchedFerretDb(): string {
  const binary = unpatchedFerretDbPath();
  if (fs.existsSync(binary) && ferretMatches(binary)) return binary;
  if (spawnSync('go', ['version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(`the store benchmark builds an unpatched FerretDB ${FERRETDB.version} with Go, which is missing`);
  }
  log(`store: building an unpatched FerretDB ${FERRETDB.version} into ${binary} (first time only)`);
  buildFerretDbFromSource(binary, []);
  if (!ferretMatches(binary)) throw new Error(`built ${binary}, but it does not report ${FERRETDB.version}`);
  return binary;
}
