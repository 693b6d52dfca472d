/**
 * Benchmark clients in a child process (tsx), so their own CPU does not share the API's event loop: the parent sends
 * one JSON spec over stdin (API keys included, never on the command line) and reads one JSON result from stdout.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** Runs `script` (a bench file serving `serveJsonChild`) with `spec`; killed after `limitMs`. */
export async function runJsonChild<R>(script: string, spec: unknown, limitMs: number, label: string): Promise<R> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  try {
    child.stdin.end(JSON.stringify(spec));
    const code = await exited;
    if (code !== 0) throw new Error(`${label} process exited with code ${String(code)}`);
    return JSON.parse(Buffer.concat(output).toString('utf8')) as R;
  } finally {
    clearTimeout(timer);
  }
}

/** The child's side: reads the spec from stdin, runs it, writes the result and exits (clients may keep handles open). */
export function serveJsonChild<S, R>(run: (spec: S) => Promise<R>, label: string): void {
  const main = async (): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const result = await run(JSON.parse(Buffer.concat(chunks).toString('utf8')) as S);
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(JSON.stringify(result), (error) => (error ? reject(error) : resolve())),
    );
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${label} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

/** `--flag=N` integer options within bounds over `defaults`; a value out of bounds is an error naming the flag. */
export function parseIntegerFlags<O extends { [K in keyof O]: number }>(
  argv: readonly string[],
  defaults: O,
  flags: { readonly [K in keyof O]: { flag: string; min: number; max: number } },
): O {
  const options: O = { ...defaults };
  for (const key of Object.keys(flags) as (keyof O)[]) {
    const { flag, min, max } = flags[key];
    const arg = argv.find((candidate) => candidate.startsWith(`${flag}=`));
    if (arg === undefined) continue;
    const value = Number(arg.slice(flag.length + 1));
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${flag} must be an integer from ${min} to ${max}`);
    }
    options[key] = value as O[keyof O];
  }
  return options;
}
