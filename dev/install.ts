/**
 * Installs the embedded stack's binaries (Temporal CLI dev server, FerretDB) into a cache outside the repo.
 * Resolution order for each binary: explicit env var → binary on PATH with the pinned version → cached build →
 * `go` build from the Go module proxy. Fails with instructions when none is possible.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from './paths';
import { ensurePythonClients } from './python-clients';
import { applyFerretDbPatches, FERRETDB_PATCHES, type SourcePatch } from './ferretdb-patches';
import { FERRETDB, TEMPORAL_CLI } from './versions';

export interface InstalledBinaries {
  temporal: string;
  ferretdb: string;
}

function log(message: string): void {
  process.stderr.write(`[ccflow setup] ${message}\n`);
}

function versionOf(binary: string, args: string[]): string | undefined {
  const result = spawnSync(binary, args, { encoding: 'utf8', timeout: 20000 });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
}

/** The pinned CLI, stamped with its release version (an unstamped build reports 0.0.0-DEV and is rebuilt). */
const temporalMatches = (binary: string): boolean => {
  const reported = versionOf(binary, ['--version']) ?? '';
  return (
    reported.includes(`version ${TEMPORAL_CLI.version.replace(/^v/, '')} `) &&
    reported.includes(`Server ${TEMPORAL_CLI.serverVersion}`)
  );
};
export const ferretMatches = (binary: string): boolean =>
  versionOf(binary, ['--version'])?.includes(`version: ${FERRETDB.version}`) ?? false;

/** A FerretDB build carries the patch set it was built with next to it; an unpatched build is rebuilt. */
const patchStampOf = (binary: string): string => `${binary}.patches`;
const ferretPatched = (binary: string): boolean =>
  ferretMatches(binary) &&
  fs.existsSync(patchStampOf(binary)) &&
  fs.readFileSync(patchStampOf(binary), 'utf8').trim() === FERRETDB_PATCHES.map((patch) => patch.id).join(',');

function onPath(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

function goAvailable(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

function goEnv(binDir: string): NodeJS.ProcessEnv {
  const root = cacheDir();
  return {
    ...process.env,
    GOBIN: binDir,
    GOMODCACHE: process.env.GOMODCACHE ?? path.join(root, 'go', 'mod'),
    GOCACHE: process.env.GOCACHE ?? path.join(root, 'go', 'build'),
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

function missingToolchainMessage(what: string, envVar: string): string {
  return [
    `Cannot find or build ${what}.`,
    `ccflow builds it with Go (https://go.dev/dl, Go >= 1.24), then caches it in ${cacheDir()}/bin.`,
    'Fix it in one of these ways:',
    '  - install Go and run `npm run setup` again;',
    `  - install the binary yourself (e.g. \`brew install temporal\` / FerretDB 1.24 release) and set ${envVar}=/path/to/it;`,
    '  - or run the external services with `docker compose up temporal mongodb` and set TEMPORAL_ADDRESS / MONGODB_URI.',
  ].join('\n');
}

function buildTemporal(binDir: string): void {
  log(`building Temporal CLI ${TEMPORAL_CLI.version} with go install (first time only, a few minutes)…`);
  // The release tooling stamps the version with -ldflags; without it the CLI reports 0.0.0-DEV.
  const stamp = `-X ${TEMPORAL_CLI.module}/temporalcli.Version=${TEMPORAL_CLI.version.replace(/^v/, '')}`;
  execFileSync('go', ['install', `-ldflags=${stamp}`, `${TEMPORAL_CLI.package}@${TEMPORAL_CLI.version}`], {
    env: goEnv(binDir),
    stdio: 'inherit',
  });
}

/**
 * FerretDB's version package requires build/version/version.txt, which its release tooling generates and the module
 * zip lacks; a plain `go install …@v1.24.2` therefore builds a binary that panics at start. We build from a copy of
 * the module source with that file written, exactly as their `task gen-version` would, and with `patches` applied
 * (the product's are FERRETDB_PATCHES; the store benchmark also builds the stock source, with none).
 */
export function buildFerretDbFromSource(binary: string, patches: readonly SourcePatch[]): void {
  const env = goEnv(path.dirname(binary));
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `${FERRETDB.module}@${FERRETDB.version}`], {
      env,
      encoding: 'utf8',
      cwd: cacheDir(),
    }),
  ) as { Dir?: string };
  if (!info.Dir) throw new Error(`go mod download returned no source directory for ${FERRETDB.module}`);
  const sourceDir = fs.mkdtempSync(path.join(os.tmpdir(), `ccflow-ferretdb-${FERRETDB.version}-`));
  try {
    fs.cpSync(info.Dir, sourceDir, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', sourceDir]);
    fs.writeFileSync(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB.version}\n`);
    applyFerretDbPatches(sourceDir, patches);
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    execFileSync('go', ['build', '-o', binary, FERRETDB.package], { env, cwd: sourceDir, stdio: 'inherit' });
  } finally {
    fs.rmSync(sourceDir, { recursive: true, force: true });
  }
}

function buildFerretDb(binDir: string): void {
  log(`building FerretDB ${FERRETDB.version} from the Go module proxy (first time only)…`);
  const binary = path.join(binDir, 'ferretdb');
  buildFerretDbFromSource(binary, FERRETDB_PATCHES);
  fs.writeFileSync(patchStampOf(binary), `${FERRETDB_PATCHES.map((patch) => patch.id).join(',')}\n`);
}

function resolveBinary(opts: {
  name: string;
  envVar: string;
  matches: (binary: string) => boolean;
  build: (binDir: string) => void;
}): string {
  const fromEnv = process.env[opts.envVar];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${opts.envVar}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const binDir = path.join(cacheDir(), 'bin');
  const cached = path.join(binDir, opts.name);
  if (fs.existsSync(cached) && opts.matches(cached)) return cached;
  const pathBinary = onPath(opts.name);
  if (pathBinary && opts.matches(pathBinary)) return pathBinary;
  if (!goAvailable()) throw new Error(missingToolchainMessage(opts.name, opts.envVar));
  fs.mkdirSync(binDir, { recursive: true });
  opts.build(binDir);
  if (!opts.matches(cached)) throw new Error(`built ${cached}, but it does not report the pinned version`);
  return cached;
}

export function ensureBinaries(): InstalledBinaries {
  fs.mkdirSync(cacheDir(), { recursive: true });
  const temporal = resolveBinary({
    name: 'temporal',
    envVar: 'CCFLOW_TEMPORAL_BIN',
    matches: temporalMatches,
    build: buildTemporal,
  });
  const ferretdb = resolveBinary({
    name: 'ferretdb',
    envVar: 'CCFLOW_FERRETDB_BIN',
    matches: ferretPatched,
    build: buildFerretDb,
  });
  return { temporal, ferretdb };
}

if (require.main === module) {
  try {
    const binaries = ensureBinaries();
    log(`temporal: ${binaries.temporal}`);
    log(`ferretdb: ${binaries.ferretdb}`);
    log(`python clients: ${ensurePythonClients()}`);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
