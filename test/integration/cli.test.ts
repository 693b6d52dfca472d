import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { type CliIo, main } from '../../cli/ccflow';
import { csv } from '../support/bulk';
import { useTestStack } from '../support/stack';

const REPO = path.resolve(__dirname, '../..');
const PROFILE_HEADER = ['Name', 'Type', 'Voice', 'Chat', 'Email', 'Social'];

interface Captured {
  stream: Writable & { isTTY?: boolean; columns?: number };
  text(): string;
}

function capture(isTTY = false): Captured {
  const chunks: string[] = [];
  const stream: Writable & { isTTY?: boolean; columns?: number } = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  if (isTTY) Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream, text: () => chunks.join('') };
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('ccflow operator CLI (bulk) against the real API', () => {
  const { stack, tenant } = useTestStack();
  let server: Server;
  let url: string;
  let cwd: string;

  /** Runs the CLI in-process in `cwd` with an empty environment; `--url`/`--api-key` are appended unless given. */
  async function cli(args: string[], options: { apiKey?: string | null; cwd?: string; tty?: boolean } = {}) {
    const stdout = capture(options.tty);
    const stderr = capture();
    const connection = ['--url', url];
    if (options.apiKey !== null) connection.push('--api-key', options.apiKey ?? tenant.apiKey);
    const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream, cwd: options.cwd ?? cwd, env: {} };
    const code = await main([...args, ...connection], io);
    return { code, stdout: stdout.text(), stderr: stderr.text() } satisfies CliRun;
  }

  function writeFile(name: string, content: string): string {
    const file = path.join(cwd, name);
    fs.writeFileSync(file, content);
    return file;
  }

  const operationIds = async (): Promise<{ id: string; status: string; fileName: string }[]> =>
    (await stack.http.get('/v1/bulk/operations').set(tenant.auth)).body.items;

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-cli-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('imports a valid CSV, reports progress line by line and exits 0', async () => {
    const file = writeFile('profiles.csv', csv(PROFILE_HEADER, [['Voice Only', 'EXCLUSIVE', '1', '0', '0', '0']]));
    const run = await cli(['bulk', 'import', 'multimedia-profiles', path.basename(file)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Submitted import [0-9a-f-]{36} \(multimedia-profiles, profiles\.csv\)$/m);
    expect(run.stdout).toMatch(/^completed$/m);
    expect(run.stdout).toMatch(/^Status:\s+completed$/m);
    expect(run.stdout).toMatch(/^Rows:\s+1 total, 1 succeeded, 0 failed$/m);
    // Not a terminal: plain lines, no bar.
    expect(run.stdout).not.toContain('[');
    expect(fs.existsSync(path.join(cwd, 'profiles-errors.csv'))).toBe(false);

    const stored = await stack.http.get('/v1/config/multimedia-profiles/Voice%20Only').set(tenant.auth);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ key: 'Voice Only', data: { name: 'Voice Only', blendingMode: 'EXCLUSIVE' } });
  });

  it('exits 2 when rows fail and writes the error CSV next to the cwd', async () => {
    writeFile(
      'mixed.csv',
      csv(PROFILE_HEADER, [
        ['Chat Only', 'EXCLUSIVE', '0', '1', '0', '0'],
        ['Broken', 'NOT_A_TYPE', '1', '0', '0', '0'],
      ]),
    );
    const run = await cli(['bulk', 'import', 'multimedia-profiles', 'mixed.csv']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Status:\s+completedWithErrors$/m);
    expect(run.stdout).toMatch(/^Rows:\s+2 total, 1 succeeded, 1 failed$/m);
    const errorsFile = path.join(cwd, 'mixed-errors.csv');
    expect(run.stdout).toContain('Rows with errors written to mixed-errors.csv');
    const rows = parse(fs.readFileSync(errorsFile), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Name: 'Broken', Type: 'NOT_A_TYPE' });
    expect(rows[0]?.['Error Message']).toMatch(/Type/);
    expect(Object.keys(rows[0] ?? {})).toContain('Error Message');

    // The same file again through `bulk errors`, to an explicit path.
    const [latest] = await operationIds();
    const again = await cli(['bulk', 'errors', latest?.id ?? '', '--out', 'out/again.csv']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(path.join(cwd, 'out/again.csv'), 'utf8')).toBe(fs.readFileSync(errorsFile, 'utf8'));
  });

  it('honours --dry-run and --errors-out', async () => {
    writeFile('dry.csv', csv(PROFILE_HEADER, [['Dry Profile', 'NOPE', '1', '0', '0', '0']]));
    const run = await cli([
      'bulk',
      'import',
      'multimedia-profiles',
      'dry.csv',
      '--dry-run',
      '--errors-out',
      'dry-out.csv',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Submitted dry-run import /m);
    expect(run.stdout).toMatch(/^Dry run:/m);
    expect(fs.readFileSync(path.join(cwd, 'dry-out.csv'), 'utf8')).toContain('Error Message');
    expect(fs.existsSync(path.join(cwd, 'dry-errors.csv'))).toBe(false);
  });

  it('exits 1 and prints the failure reason when the file is rejected', async () => {
    writeFile('empty.csv', csv(PROFILE_HEADER, []));
    const run = await cli(['bulk', 'import', 'multimedia-profiles', 'empty.csv']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Status:\s+failed$/m);
    expect(run.stdout).toMatch(/^Failure reason:\s+"empty\.csv" has a header row but no data rows$/m);
    expect(fs.existsSync(path.join(cwd, 'empty-errors.csv'))).toBe(false);
  });

  it('exports to the file the API names, with the template header', async () => {
    const run = await cli(['bulk', 'export', 'multimedia-profiles']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Export written to multimedia-profiles-export.csv');
    const rows = parse(fs.readFileSync(path.join(cwd, 'multimedia-profiles-export.csv')), { bom: true }) as string[][];
    const template = await stack.http.get('/v1/bulk/object-types/multimedia-profiles/template').set(tenant.auth);
    const templateHeader = (parse(template.text) as string[][])[0];
    expect(templateHeader).toEqual(['Name', 'Description', 'Type', 'Voice', 'Chat', 'Email', 'Social']);
    expect(rows[0]).toEqual(templateHeader);
    expect(rows.slice(1).map((row) => row[0])).toEqual(expect.arrayContaining(['Voice Only', 'Chat Only']));

    const named = await cli(['bulk', 'export', 'multimedia-profiles', '--file-name', 'nightly', '--out', 'exports/']);
    expect(named.code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'exports', 'nightly.csv'), 'utf8')).toMatch(/^(\uFEFF)?Name,Description,/);
  });

  it('lists operations (with filters) and shows one in detail', async () => {
    const operations = await operationIds();
    expect(operations.length).toBeGreaterThanOrEqual(5);
    const list = await cli(['bulk', 'status']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+OBJECT TYPE\s+FILE\s+STATUS\s+TOTAL\s+OK\s+FAILED\s+CREATED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(operations.map((op) => op.id));

    const failed = await cli(['bulk', 'status', '--status', 'failed', '--kind', 'import']);
    expect(failed.code).toBe(0);
    const failedRows = failed.stdout.trimEnd().split('\n').slice(1);
    expect(failedRows).toHaveLength(1);
    expect(failedRows[0]).toMatch(/ empty\.csv +failed /);

    const query = await cli(['bulk', 'status', '-q', 'MIXED', '--object-type', 'multimedia-profiles']);
    expect(query.stdout.trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(/ mixed\.csv +completedWithErrors /),
    ]);

    const wrongFilter = await cli(['bulk', 'status', '--status', 'sleeping']);
    expect(wrongFilter.code).toBe(1);
    expect(wrongFilter.stderr).toMatch(/^error: .*status/);

    const mixed = operations.find((op) => op.fileName === 'mixed.csv');
    const detail = await cli(['bulk', 'status', mixed?.id ?? '']);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toMatch(new RegExp(`^id:\\s+${mixed?.id}$`, 'm'));
    expect(detail.stdout).toMatch(/^status:\s+completedWithErrors$/m);
    expect(detail.stdout).toMatch(/^counts:\s+2 total, 1 succeeded, 1 failed$/m);
  });

  it('shows a progress bar when stdout is a terminal', async () => {
    writeFile('tty.csv', csv(PROFILE_HEADER, [['TTY Profile', 'EXCLUSIVE', '1', '0', '0', '0']]));
    const run = await cli(['bulk', 'import', 'multimedia-profiles', 'tty.csv'], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[[=-]+\] \d+% \| \d+\/\d+ rows/);
    expect(run.stdout).not.toMatch(/^new: /m);
    expect(run.stdout).toMatch(/^Status:\s+completed$/m);
  });

  it('reports API errors with their detail on stderr and exits 1, never with a stack trace', async () => {
    const wrongKey = await cli(['bulk', 'status'], { apiKey: 'ccf_not-a-real-key' });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toBe('');
    expect(wrongKey.stderr).toContain('error: The API key is not valid.');
    expect(wrongKey.stderr).toContain('(the API key came from --api-key)');
    expect(wrongKey.stderr).not.toMatch(/\n\s+at /);

    const unknown = await cli(['bulk', 'import', 'spaceships', 'dry.csv']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown object type "spaceships"/);

    const missing = await cli(['bulk', 'errors', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: Bulk operation 00000000-0000-4000-8000-000000000000 not found/);

    const noFile = await cli(['bulk', 'import', 'multimedia-profiles', 'nope.csv']);
    expect(noFile).toMatchObject({ code: 1, stderr: 'error: cannot read nope.csv: no such file\n' });

    const usage = await cli(['bulk', 'import', 'multimedia-profiles']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("missing required argument 'file'");
  });

  it("falls back to the dev tenant's key in .data/dev-tenant.json", async () => {
    const devDir = fs.mkdtempSync(path.join(cwd, 'dev-'));
    const noKey = await cli(['bulk', 'types'], { apiKey: null, cwd: devDir });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^error: no API key/);

    fs.mkdirSync(path.join(devDir, '.data'));
    fs.writeFileSync(path.join(devDir, '.data', 'dev-tenant.json'), JSON.stringify({ tenantId: 'x', apiKey: 'wrong' }));
    const stale = await cli(['bulk', 'types'], { apiKey: null, cwd: devDir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`(the API key came from ${path.join('.data', 'dev-tenant.json')})`);

    fs.writeFileSync(path.join(devDir, '.data', 'dev-tenant.json'), JSON.stringify({ apiKey: tenant.apiKey }));
    const types = await cli(['bulk', 'types'], { apiKey: null, cwd: devDir });
    expect(types.code).toBe(0);
    expect(types.stdout).toMatch(/^multimedia-profiles\s+Multimedia profiles?\s+Name$/im);
  });

  it('names the active operation on 409, and --no-wait returns at once', async () => {
    await stack.stopWorkers();
    try {
      writeFile('queued.csv', csv(PROFILE_HEADER, [['Queued', 'EXCLUSIVE', '1', '0', '0', '0']]));
      const queued = await cli(['bulk', 'import', 'multimedia-profiles', 'queued.csv', '--no-wait']);
      expect(queued.code).toBe(0);
      const id = /^Submitted import ([0-9a-f-]{36})/m.exec(queued.stdout)?.[1];
      expect(id).toBeDefined();
      expect(queued.stdout).toContain(`ccflow bulk status ${id}`);

      const blocked = await cli(['bulk', 'export', 'sites']);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/^error: Another bulk operation .* is still running/);
      expect(blocked.stderr).toContain(`active operation: ${id}`);
    } finally {
      await stack.startWorkers();
    }
  });

  it('runs as `node bin/ccflow.js` in a child process', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(REPO, 'bin', 'ccflow.js'), 'bulk', 'types', '--url', url, '--api-key', tenant.apiKey],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '' } },
    );
    expect(stdout).toMatch(/^ID\s+LABEL\s+KEY$/m);
    expect(stdout).toMatch(/^multimedia-profiles\s/m);

    const failing = await promisify(execFile)(
      process.execPath,
      [path.join(REPO, 'bin', 'ccflow.js'), 'bulk', 'status', '--url', url, '--api-key', 'nope'],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '' } },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failing).toMatchObject({ code: 1, stderr: expect.stringContaining('error: The API key is not valid.') });
  });
});
