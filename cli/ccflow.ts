/**
 * `ccflow` — the operator CLI. It talks only to the public HTTP API (never to Temporal or MongoDB), so it works
 * against any deployment an API key can reach. `main` takes its argv and I/O explicitly so tests run it in-process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { ApiClient, ApiError, type OperationFilters, type OperationView } from './api-client';
import {
  DIALER_DEFAULTS,
  defaultWorkerId,
  parseAnswerRate,
  parseSeconds,
  parseSeed,
  randomSeed,
  simulateDialer,
  wholeNumberParser,
} from './dialer';
import { createProgressReporter, describeProgress, isTerminal, type OutputStream } from './progress';

export interface CliIo {
  stdout: OutputStream;
  stderr: { write(chunk: string): unknown };
  cwd: string;
  env: Record<string, string | undefined>;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const POLL_INTERVAL_MS = 500;

/** Exit codes: 0 completed (or any successful command), 2 completed with row errors, 1 anything else. */
export const EXIT_CODES = { ok: 0, failure: 1, completedWithErrors: 2 } as const;

/** A mistake in how the CLI was invoked or configured (exit 1, message only). */
class UsageError extends Error {}

/** An error already explained on stderr; only its exit code matters. */
class ReportedError extends Error {
  constructor(cause: unknown) {
    super('already reported', { cause });
  }
}

interface GlobalOptions {
  url?: string;
  apiKey?: string;
}

interface Connection {
  client: ApiClient;
  /** What the client was built from, for commands that speak other protocols than ApiClient's (the dialer). */
  url: string;
  apiKey: string;
  keySource: string;
}

const devTenantSchema = z.object({ apiKey: z.string().min(1) });

function exitCodeOf(status: string): number {
  if (status === 'completed') return EXIT_CODES.ok;
  if (status === 'completedWithErrors') return EXIT_CODES.completedWithErrors;
  return EXIT_CODES.failure;
}

/** `--url` → `CCFLOW_URL` → local default; `--api-key` → `CCFLOW_API_KEY` → the dev tenant of `npm start`. */
function connect(options: GlobalOptions, io: CliIo): Connection {
  const url = options.url ?? io.env.CCFLOW_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL (expected e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url "${url}" must be an http:// or https:// URL`);
  }
  const connection = (apiKey: string, keySource: string): Connection => ({
    client: new ApiClient(url, apiKey),
    url,
    apiKey,
    keySource,
  });
  if (options.apiKey) return connection(options.apiKey, '--api-key');
  if (io.env.CCFLOW_API_KEY) return connection(io.env.CCFLOW_API_KEY, 'CCFLOW_API_KEY');
  const devTenantFile = path.resolve(io.cwd, io.env.CCFLOW_DATA_DIR ?? '.data', 'dev-tenant.json');
  if (fs.existsSync(devTenantFile)) {
    let saved: unknown;
    try {
      saved = JSON.parse(fs.readFileSync(devTenantFile, 'utf8'));
    } catch (error) {
      throw new UsageError(`${devTenantFile} is not readable JSON: ${error instanceof Error ? error.message : ''}`);
    }
    const devTenant = devTenantSchema.safeParse(saved);
    if (!devTenant.success) throw new UsageError(`${devTenantFile} has no "apiKey"`);
    return connection(devTenant.data.apiKey, path.relative(io.cwd, devTenantFile) || devTenantFile);
  }
  throw new UsageError(
    'no API key: pass --api-key <key>, set CCFLOW_API_KEY, or run in the directory where `npm start` keeps .data/dev-tenant.json',
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The output path: `option` (relative to the cwd; an existing directory receives the default name) or the default
 * name in the cwd.
 */
function outputPath(io: CliIo, option: string | undefined, defaultName: string): string {
  if (!option) return path.resolve(io.cwd, defaultName);
  const resolved = path.resolve(io.cwd, option);
  const isDirectory = /[\\/]$/.test(option) || (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory());
  return isDirectory ? path.join(resolved, defaultName) : resolved;
}

const display = (io: CliIo, file: string): string => {
  const relative = path.relative(io.cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
};

/** Polls the operation every 500 ms until it ends, showing progress; returns its final view. */
async function waitForEnd(client: ApiClient, submitted: OperationView, io: CliIo): Promise<OperationView> {
  const reporter = createProgressReporter(io.stdout);
  let operation = submitted;
  try {
    reporter.update(operation);
    while (!isTerminal(operation.status)) {
      await sleep(POLL_INTERVAL_MS);
      operation = await client.getOperation(operation.id);
      reporter.update(operation);
    }
  } catch (error) {
    reporter.stop();
    reportError(error, io);
    io.stderr.write(
      `The operation ${submitted.id} goes on in the server; follow it with: ccflow bulk status ${submitted.id}\n`,
    );
    throw new ReportedError(error);
  }
  reporter.stop();
  return operation;
}

function countsLine(operation: OperationView): string {
  const { total, succeeded, failed } = operation.counts;
  return `${total} total, ${succeeded} succeeded, ${failed} failed`;
}

function printSummary(operation: OperationView, io: CliIo): void {
  const lines: [string, string][] = [
    ['Operation', operation.id],
    ['Status', operation.status],
    ['Rows', countsLine(operation)],
  ];
  if (operation.failureReason) lines.push(['Failure reason', operation.failureReason]);
  if (operation.dryRun) lines.push(['Dry run', 'validated only; nothing was written']);
  io.stdout.write(formatPairs(lines));
}

function formatPairs(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}\n`).join('');
}

/** A plain text table: columns padded to their widest cell, the last one left as it is. */
function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((text) => `${text}\n`).join('');
}

function printOperation(operation: OperationView, io: CliIo): void {
  const pairs: [string, string][] = [
    ['id', operation.id],
    ['kind', operation.kind],
    ['objectType', operation.objectType],
    ['fileName', operation.fileName],
    ['status', operation.status],
  ];
  if (operation.failureReason) pairs.push(['failureReason', operation.failureReason]);
  pairs.push(
    ['dryRun', String(operation.dryRun)],
    ['counts', countsLine(operation)],
    ['progress', describeProgress(operation)],
    ['submittedBy', operation.submittedBy],
    ['createdAt', operation.createdAt],
  );
  if (operation.startedAt) pairs.push(['startedAt', operation.startedAt]);
  if (operation.endedAt) pairs.push(['endedAt', operation.endedAt]);
  if (operation.retryOf) pairs.push(['retryOf', operation.retryOf]);
  if (operation.links.errors) pairs.push(['errors', `ccflow bulk errors ${operation.id}`]);
  io.stdout.write(formatPairs(pairs));
}

function reportError(error: unknown, io: CliIo, keySource?: string): void {
  if (error instanceof ReportedError) return;
  if (error instanceof ApiError) {
    io.stderr.write(`error: ${error.detail}\n`);
    if (error.activeOperationId) {
      io.stderr.write(
        `active operation: ${error.activeOperationId} (follow it with: ccflow bulk status ${error.activeOperationId})\n`,
      );
    }
    if (error.status === 401 && keySource) io.stderr.write(`(the API key came from ${keySource})\n`);
    if (error.requestId && error.status >= 500) io.stderr.write(`request id: ${error.requestId}\n`);
    return;
  }
  // UsageError, ConnectionError, UnexpectedResponseError, commander's own errors: their message says it all.
  io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 100) {
    throw new InvalidArgumentError('expected a whole number from 1 to 100');
  }
  return number;
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('ccflow');
  program
    .description(
      'Operator CLI of ccflow: bulk imports and exports, and a simulated dialer, through the public HTTP API',
    )
    .option('--url <url>', `API base URL (default: $CCFLOW_URL or ${DEFAULT_URL})`)
    .option('--api-key <key>', 'tenant API key (default: $CCFLOW_API_KEY, else .data/dev-tenant.json in the cwd)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');

  // Every action connects through here so that the key's origin can be named when the API refuses it.
  let keySource: string | undefined;
  const connectionFor = (command: Command): Connection => {
    const connection = connect(command.optsWithGlobals<GlobalOptions>(), io);
    keySource = connection.keySource;
    return connection;
  };
  const clientFor = (command: Command): ApiClient => connectionFor(command).client;
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      try {
        setExitCode(await action(...args));
      } catch (error) {
        reportError(error, io, keySource);
        setExitCode(EXIT_CODES.failure);
      }
    };

  const bulk = program.command('bulk').description('bulk operations: import, export, status, error files, catalog');

  bulk
    .command('import')
    .description('import a CSV (or ZIP) of configuration objects and wait for the result')
    .argument('<objectType>', 'object type id, e.g. multimedia-profiles (see: ccflow bulk types)')
    .argument('<file>', 'the CSV, ZIP of CSVs, or (audio-files) ZIP of .wav files')
    .option('--dry-run', 'validate every row but write nothing')
    .option('--no-wait', 'submit and return at once (exit 0) without waiting for the result')
    .option('--errors-out <path>', 'where to write the error CSV (default: <file base>-errors.csv in the cwd)')
    .action(
      run(
        async (
          objectType: string,
          file: string,
          options: { dryRun?: boolean; wait: boolean; errorsOut?: string },
          command: Command,
        ) => {
          const filePath = path.resolve(io.cwd, file);
          if (!fs.existsSync(filePath) || !fs.statSync(filePath).isFile()) {
            throw new UsageError(`cannot read ${file}: no such file`);
          }
          const client = clientFor(command);
          const submitted = await client.submitImport({ objectType, file: filePath, dryRun: options.dryRun === true });
          io.stdout.write(
            `Submitted ${submitted.dryRun ? 'dry-run ' : ''}import ${submitted.id} (${submitted.objectType}, ${submitted.fileName})\n`,
          );
          if (!options.wait) {
            io.stdout.write(`Follow it with: ccflow bulk status ${submitted.id}\n`);
            return EXIT_CODES.ok;
          }
          const operation = await waitForEnd(client, submitted, io);
          printSummary(operation, io);
          if (operation.links.errors) {
            const base = path.parse(filePath).name;
            const saved = await client.download(operation.links.errors, () =>
              outputPath(io, options.errorsOut, `${base}-errors.csv`),
            );
            io.stdout.write(
              `Rows with errors written to ${display(io, saved.path)} (fix them there and import that file again)\n`,
            );
          }
          return exitCodeOf(operation.status);
        },
      ),
    );

  bulk
    .command('export')
    .description('export all objects of a type and download the file (CSV, or ZIP above 5000 objects)')
    .argument('<objectType>', 'object type id, e.g. multimedia-profiles')
    .option('--file-name <name>', 'name of the export (default: <objectType>-export)')
    .option('--out <path>', 'where to write the file (default: the name the API suggests, in the cwd)')
    .action(
      run(async (objectType: string, options: { fileName?: string; out?: string }, command: Command) => {
        const client = clientFor(command);
        const submitted = await client.submitExport({
          objectType,
          ...(options.fileName ? { fileName: options.fileName } : {}),
        });
        io.stdout.write(`Submitted export ${submitted.id} (${submitted.objectType}, ${submitted.fileName})\n`);
        const operation = await waitForEnd(client, submitted, io);
        printSummary(operation, io);
        if (operation.status !== 'completed') return exitCodeOf(operation.status);
        const fallback = `${operation.fileName.replace(/\.(csv|zip)$/i, '')}.csv`;
        const saved = await client.download(
          operation.links.result ?? `/v1/bulk/operations/${operation.id}/result`,
          (name) => outputPath(io, options.out, name ?? fallback),
        );
        io.stdout.write(`Export written to ${display(io, saved.path)} (${saved.bytes} bytes, ${saved.contentType})\n`);
        return EXIT_CODES.ok;
      }),
    );

  bulk
    .command('status')
    .description('one operation in detail, or the newest operations as a table')
    .argument('[id]', 'operation id')
    .option(
      '--status <status>',
      'only operations in this status (new, inProgress, completed, completedWithErrors, failed)',
    )
    .option('--kind <kind>', 'only imports or exports (import, export)')
    .option('--object-type <type>', 'only operations on this object type')
    .option('-q, --query <text>', 'operation id, or part of the file name (case-insensitive)')
    .option('--limit <n>', 'how many operations to list (1-100)', positiveInteger, 20)
    .action(
      run(
        async (
          id: string | undefined,
          options: { status?: string; kind?: string; objectType?: string; query?: string; limit: number },
          command: Command,
        ) => {
          const client = clientFor(command);
          if (id) {
            printOperation(await client.getOperation(id), io);
            return EXIT_CODES.ok;
          }
          const filters: OperationFilters = { limit: options.limit };
          if (options.status) filters.status = options.status;
          if (options.kind) filters.kind = options.kind;
          if (options.objectType) filters.objectType = options.objectType;
          if (options.query) filters.q = options.query;
          const page = await client.listOperations(filters);
          if (page.items.length === 0) {
            io.stdout.write('No bulk operations.\n');
            return EXIT_CODES.ok;
          }
          io.stdout.write(
            formatTable(
              ['ID', 'KIND', 'OBJECT TYPE', 'FILE', 'STATUS', 'TOTAL', 'OK', 'FAILED', 'CREATED'],
              page.items.map((op) => [
                op.id,
                op.kind,
                op.objectType,
                op.fileName,
                op.status,
                String(op.counts.total),
                String(op.counts.succeeded),
                String(op.counts.failed),
                op.createdAt,
              ]),
            ),
          );
          if (page.nextCursor) io.stdout.write(`(older operations not shown; use --limit or filters)\n`);
          return EXIT_CODES.ok;
        },
      ),
    );

  bulk
    .command('errors')
    .description("download an operation's error CSV (the failed rows plus an Error Message column)")
    .argument('<id>', 'operation id')
    .option('--out <path>', 'where to write it (default: <file base>-errors.csv in the cwd)')
    .action(
      run(async (id: string, options: { out?: string }, command: Command) => {
        const client = clientFor(command);
        const saved = await client.download(`/v1/bulk/operations/${encodeURIComponent(id)}/errors`, (name) =>
          outputPath(io, options.out, name ?? `${id}-errors.csv`),
        );
        io.stdout.write(`Error rows written to ${display(io, saved.path)}\n`);
        return EXIT_CODES.ok;
      }),
    );

  bulk
    .command('types')
    .description('the catalog of object types, in import order')
    .action(
      run(async (_options: unknown, command: Command) => {
        const types = await clientFor(command).objectTypes();
        io.stdout.write(
          formatTable(
            ['ID', 'LABEL', 'KEY'],
            types.map((type) => [type.id, type.label, type.key.join(', ')]),
          ),
        );
        return EXIT_CODES.ok;
      }),
    );

  const dialer = program
    .command('dialer')
    .description('a simulated dialer for outbound jobs (Alibaba OutboundBot instances)');

  dialer
    .command('simulate')
    .description(
      "register as a Job Router worker on an outbound instance's queue and take its call attempts: answered calls " +
        'report a scripted conversation and close as SucceededFinish, the others as NoAnswer, Busy, PoweredOff or ' +
        'NotConnected; runs until Ctrl-C, --max-calls or --duration',
    )
    .requiredOption('--instance <id>', "the outbound instance (CreateInstance's Instance.InstanceId)")
    .option(
      '--answer-rate <rate>',
      'probability that the contact answers, 0 to 1',
      parseAnswerRate,
      DIALER_DEFAULTS.answerRate,
    )
    .option('--seed <n>', 'seed of the random outcomes, to repeat a run (default: random, printed)', parseSeed)
    .option('--worker-id <id>', 'router worker id (default: dialer-<hostname>-<random>)')
    .option('--capacity <n>', 'calls at once', wholeNumberParser(1, 1000), DIALER_DEFAULTS.capacity)
    .option(
      '--call-ms <ms>',
      'how long each simulated call takes',
      wholeNumberParser(0, 600_000),
      DIALER_DEFAULTS.callMs,
    )
    .option('--max-calls <n>', 'stop after taking this many calls', wholeNumberParser(1, 1_000_000))
    .option('--duration <seconds>', 'stop taking calls after this many seconds', parseSeconds)
    .action(
      run(
        async (
          options: {
            instance: string;
            answerRate: number;
            seed?: number;
            workerId?: string;
            capacity: number;
            callMs: number;
            maxCalls?: number;
            duration?: number;
          },
          command: Command,
        ) => {
          const connection = connectionFor(command);
          // Ctrl-C stops taking calls, lets the ones in progress hang up and deregisters; `once`, so that a second
          // Ctrl-C finds no listener and ends the process at once.
          const stop = new AbortController();
          const onInterrupt = () => stop.abort();
          process.once('SIGINT', onInterrupt);
          try {
            const summary = await simulateDialer(
              connection,
              {
                instanceId: options.instance,
                workerId: options.workerId ?? defaultWorkerId(),
                capacity: options.capacity,
                answerRate: options.answerRate,
                seed: options.seed ?? randomSeed(),
                callMs: options.callMs,
                ...(options.maxCalls === undefined ? {} : { maxCalls: options.maxCalls }),
                ...(options.duration === undefined ? {} : { durationMs: options.duration * 1000 }),
              },
              io,
              stop.signal,
            );
            return summary.errors > 0 ? EXIT_CODES.failure : EXIT_CODES.ok;
          } finally {
            process.removeListener('SIGINT', onInterrupt);
          }
        },
      ),
    );

  return program;
}

/** Runs the CLI; resolves to the process exit code and never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.failure;
    reportError(error, io);
    return EXIT_CODES.failure;
  }
}
