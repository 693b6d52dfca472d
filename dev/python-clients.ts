/**
 * Installs the official Python clients the protocol tests drive (azure-communication-jobrouter and
 * alibabacloud-outboundbot20191226) into a virtual environment outside the repo:
 * `${CCFLOW_CACHE_DIR:-~/.cache/ccflow}/python/venv`. Idempotent: a stamp file records what was installed, so a second
 * run costs one file read. Every package of the resolved set is pinned (a constraints file), so a new release of a
 * transitive dependency (the Alibaba signer lives in alibabacloud-tea-openapi) cannot change what the tests exercise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';

/** The clients, as users install them. */
export const PYTHON_CLIENTS = ['azure-communication-jobrouter==1.0.0', 'alibabacloud-outboundbot20191226==2.2.1'];

/** Everything pip resolved for PYTHON_CLIENTS on Python 3.11 (`pip freeze`), pinned as constraints. */
const CONSTRAINTS = [
  'aiofiles==24.1.0',
  'aiohappyeyeballs==2.7.1',
  'aiohttp==3.14.5',
  'aiosignal==1.4.0',
  'alibabacloud-credentials==1.0.12',
  'alibabacloud-credentials-api==1.0.1',
  'alibabacloud-gateway-spi==0.0.4',
  'alibabacloud-tea==0.4.3',
  'alibabacloud-tea-openapi==0.4.6',
  'alibabacloud-tea-util==0.3.15',
  'APScheduler==3.11.3',
  'attrs==26.1.0',
  'azure-core==1.41.0',
  'certifi==2026.10.19.post1',
  'cffi==2.1.1',
  'charset-normalizer==3.5.3',
  'cryptography==50.0.2',
  'darabonba-core==1.0.9',
  'frozenlist==1.8.0',
  'idna==3.20',
  'isodate==0.7.2',
  'multidict==7.2.1',
  'propcache==0.5.4',
  'pycparser==3.12',
  'requests==2.34.2',
  'typing_extensions==4.16.0',
  'tzlocal==5.4.5',
  'urllib3==2.8.0',
  'websocket-client==1.9.2',
  'yarl==1.25.1',
];

const STAMP = 'ccflow-python-clients.txt';
const LOCK_STALE_MS = 15 * 60 * 1000;

function log(message: string): void {
  process.stderr.write(`[ccflow setup] ${message}\n`);
}

export const pythonClientsDir = (env: NodeJS.ProcessEnv = process.env): string => path.join(cacheDir(env), 'python');

const venvDir = (env: NodeJS.ProcessEnv): string => path.join(pythonClientsDir(env), 'venv');

const venvPython = (env: NodeJS.ProcessEnv): string =>
  process.platform === 'win32'
    ? path.join(venvDir(env), 'Scripts', 'python.exe')
    : path.join(venvDir(env), 'bin', 'python');

/** What the stamp must say for the venv to count as installed: a change of pins reinstalls. */
const wanted = (): string => [...PYTHON_CLIENTS, '--', ...CONSTRAINTS].join('\n') + '\n';

function installed(env: NodeJS.ProcessEnv): boolean {
  const stamp = path.join(venvDir(env), STAMP);
  try {
    return fs.readFileSync(stamp, 'utf8') === wanted() && fs.existsSync(venvPython(env));
  } catch {
    return false;
  }
}

/** The interpreter that creates the venv: CCFLOW_PYTHON, else python3 (python on Windows), at least 3.8. */
function basePython(env: NodeJS.ProcessEnv): string {
  const candidates = env.CCFLOW_PYTHON ? [env.CCFLOW_PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    if (probe.error || probe.status !== 0) continue;
    const [major = 0, minor = 0] = probe.stdout.trim().split('.').map(Number);
    if (major === 3 && minor >= 8) return candidate;
  }
  throw new Error(
    [
      'Cannot find Python >= 3.8 with the venv module, needed for the official client tests.',
      'Install python3 (with python3-venv on Debian/Ubuntu), or set CCFLOW_PYTHON=/path/to/python3, then run `npm run setup`.',
    ].join('\n'),
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, {
    env: { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60 * 1000,
  });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
    );
  }
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readPid = (file: string): number => {
  try {
    return Number(fs.readFileSync(file, 'utf8')) || 0;
  } catch {
    return 0; // not written yet, or the lock was just released
  }
};

/** Several checkouts (or test runs) may share the cache: one installs, the others wait for it. */
function withLock<T>(dir: string, work: () => T): T {
  const lock = path.join(dir, '.install-lock');
  const owner = path.join(lock, 'pid');
  fs.mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = readPid(owner);
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      // The holder died (or never wrote its pid and is long gone): take the lock over.
      if ((pid > 0 && !alive(pid)) || age > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
      else sleep(1000);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure the venv holds the pinned clients and returns its python. Quick (no process started) when they are
 * already installed; otherwise creates the venv afresh and pip-installs (about a minute, needs PyPI or a mirror).
 */
export function ensurePythonClients(env: NodeJS.ProcessEnv = process.env): string {
  if (installed(env)) return venvPython(env);
  return withLock(pythonClientsDir(env), () => {
    if (installed(env)) return venvPython(env); // another process finished it while we waited
    const python = basePython(env);
    log(`installing ${PYTHON_CLIENTS.join(', ')} into ${venvDir(env)} (first time only)…`);
    run(python, ['-m', 'venv', '--clear', venvDir(env)], env);
    const constraints = path.join(venvDir(env), 'constraints.txt');
    fs.writeFileSync(constraints, CONSTRAINTS.join('\n') + '\n');
    run(venvPython(env), ['-m', 'pip', 'install', '--quiet', '-c', constraints, ...PYTHON_CLIENTS], env);
    run(venvPython(env), ['-c', 'import azure.communication.jobrouter, alibabacloud_outboundbot20191226.client'], env);
    fs.writeFileSync(path.join(venvDir(env), STAMP), wanted());
    return venvPython(env);
  });
}

if (require.main === module) {
  try {
    log(`python clients: ${ensurePythonClients()}`);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
