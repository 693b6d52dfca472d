/**
 * Runs the Python fixtures of test/fixtures/python with the venv of dev/python-clients.ts (installed by `npm test`'s
 * pretest; installed here on first use when a test runs without it). Each fixture prints one JSON document.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ensurePythonClients } from '../../dev/python-clients';

const fixturesDir = path.resolve(__dirname, '../fixtures/python');

let python: string | undefined;

/** The venv's python; installs the pinned clients when they are missing (about a minute, once). */
export function pythonWithClients(): string {
  python ??= ensurePythonClients();
  return python;
}

/** Runs `test/fixtures/python/<script>` with `args`, extra `env`, and returns its parsed stdout. */
export function runPythonFixture<T>(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      pythonWithClients(),
      [path.join(fixturesDir, script), ...args],
      {
        env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', NO_PROXY: '*' },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(new Error(`${script} printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
