/**
 * An UNPATCHED FerretDB 1.24.2 for the store benchmark only (bench/benchmarks/store.ts): the product runs FerretDB
 * built with ccflow's source patches (dev/ferretdb-patches.ts, dev/install.ts), and the benchmark keeps a column of
 * the stock build to show what the patches change. Built the way dev/install.ts builds the product's binary — a copy
 * of the module source from the Go module proxy (same GOMODCACHE / GOCACHE under the ccflow cache, GOFLAGS=-mod=mod,
 * CGO_ENABLED=0) with build/version/version.txt written — minus the patches, into
 * `<cache>/bench/ferretdb-unpatched`, and reused from there once it reports the pinned version.
 *
 * The copy is checked to still hold every patch's original text, so this binary is the stock one, not the product's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FERRETDB_PATCHES } from '../../dev/ferretdb-patches';
import { cacheDir } from '../../dev/paths';
import { FERRETDB } from '../../dev/versions';
import { log } from '../report';

export const unpatchedFerretDbPath = (): string => path.join(cacheDir(), 'bench', 'ferretdb-unpatched');

function reportsPinnedVersion(binary: string): boolean {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20000 });
  if (result.error || result.status !== 0) return false;
  return `${result.stdout}${result.stderr}`.includes(`version: ${FERRETDB.version}`);
}

function goEnv(): NodeJS.ProcessEnv {
  const root = cacheDir();
  return {
    ...process.env,
    GOMODCACHE: process.env.GOMODCACHE ?? path.join(root, 'go', 'mod'),
    GOCACHE: process.env.GOCACHE ?? path.join(root, 'go', 'build'),
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

/** The stock FerretDB binary's path, built on first use (a few minutes; the Go build cache is shared with setup). */
export function ensureUnpatchedFerretDb(): string {
  const binary = unpatchedFerretDbPath();
  if (fs.existsSync(binary) && reportsPinnedVersion(binary)) return binary;
  if (spawnSync('go', ['version'], { encoding: 'utf8' }).status !== 0) {
    throw new Error(`the store benchmark builds an unpatched FerretDB ${FERRETDB.version} with Go, which is missing`);
  }
  log(`store: building an unpatched FerretDB ${FERRETDB.version} into ${binary} (first time only)`);
  const env = goEnv();
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `${FERRETDB.module}@${FERRETDB.version}`], {
      env,
      encoding: 'utf8',
      cwd: path.dirname(binary),
    }),
  ) as { Dir?: string };
  if (!info.Dir) throw new Error(`go mod download returned no source directory for ${FERRETDB.module}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-ferretdb-unpatched-'));
  try {
    const sourceDir = path.join(tmp, 'src');
    fs.cpSync(info.Dir, sourceDir, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', sourceDir]);
    fs.writeFileSync(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB.version}\n`);
    for (const patch of FERRETDB_PATCHES) {
      const source = fs.readFileSync(path.join(sourceDir, patch.file), 'utf8');
      if (source.split(patch.from).length - 1 !== 1) {
        throw new Error(`unpatched FerretDB: ${patch.file} does not hold the original text of patch ${patch.id}`);
      }
    }
    const building = `${binary}.building`;
    execFileSync('go', ['build', '-o', building, FERRETDB.package], { env, cwd: sourceDir, stdio: 'inherit' });
    fs.renameSync(building, binary);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!reportsPinnedVersion(binary)) throw new Error(`built ${binary}, but it does not report ${FERRETDB.version}`);
  return binary;
}
