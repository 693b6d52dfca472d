/**
 * Black-box test of `npm start`'s supervisor (dev/start.ts) as a new user runs it: embedded Temporal + FerretDB on
 * free ports, state in a fresh data directory; ready → usable → Ctrl-C leaves no process → a restart finds its data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/ports';

const repoRoot = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  apiKey: string;
}

async function startSupervisor(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'dev/start.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 240000;
  while (!output.includes('press Ctrl-C to stop')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const apiKey = /dev API key:\s+(\S+)/.exec(output)?.[1];
  if (!apiKey) throw new Error(`no dev API key printed:\n${output}`);
  return { child, output: () => output, apiKey };
}

async function stopWithCtrlC(started: Started): Promise<number | null> {
  started.child.kill('SIGINT');
  return new Promise((resolve) => started.child.once('exit', (code) => resolve(code)));
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm start (embedded stack)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-start-'));
  let ports: { api: number; temporal: number; ui: number; mongo: number };
  let env: NodeJS.ProcessEnv;
  let running: Started | undefined;

  beforeAll(async () => {
    ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), mongo: await freePort() };
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: '',
      MONGODB_URI: '',
      CCFLOW_WORKFLOW_BUNDLE_DIR: '',
      CCFLOW_DATA_DIR: dataDir,
      PORT: String(ports.api),
      CCFLOW_EMBEDDED_TEMPORAL_PORT: String(ports.temporal),
      CCFLOW_TEMPORAL_UI_PORT: String(ports.ui),
      CCFLOW_EMBEDDED_MONGO_PORT: String(ports.mongo),
    };
  });
  afterAll(async () => {
    if (running && running.child.exitCode === null) await stopWithCtrlC(running);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, serves, stops cleanly on Ctrl-C and keeps its data across a restart', async () => {
    running = await startSupervisor(env);
    const api = `http://127.0.0.1:${ports.api}`;
    expect(running.output()).toContain(`Temporal Web UI:  http://127.0.0.1:${ports.ui}`);
    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
    const auth = { Authorization: `Bearer ${running.apiKey}`, 'content-type': 'application/json' };
    expect(await (await fetch(`${api}/v1/tenants/me`, { headers: auth })).json()).toEqual({
      id: 'dev',
      name: 'Development tenant',
    });
    const ping = (await (
      await fetch(`${api}/v1/system/pings`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ message: 'kept' }),
      })
    ).json()) as { id: string };
    let status = '';
    for (let i = 0; i < 100 && status !== 'recorded'; i += 1) {
      status = (
        (await (await fetch(`${api}/v1/system/pings/${ping.id}`, { headers: auth })).json()) as { status: string }
      ).status;
      if (status !== 'recorded') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('recorded');
    expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);

    // Logs: owner-only files, and no credential in them after authenticated requests (tenant key, admin key).
    const adminKey = fs.readFileSync(path.join(dataDir, 'admin-key'), 'utf8').trim();
    const adminCall = await fetch(`${api}/v1/admin/tenants?Signature=s3cr3t-signature`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', cookie: 'session=c00kie' },
      body: JSON.stringify({ name: 'Logged tenant' }),
    });
    expect(adminCall.status).toBe(201);
    const apiLog = path.join(dataDir, 'logs', 'api.log');
    for (const name of fs.readdirSync(path.join(dataDir, 'logs'))) {
      expect({ name, mode: fs.statSync(path.join(dataDir, 'logs', name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    }
    const logText = fs.readFileSync(apiLog, 'utf8');
    expect(logText).toContain('/v1/tenants/me'); // the requests were logged…
    expect(logText).toContain('[REDACTED]');
    for (const secret of [running.apiKey, adminKey, 's3cr3t-signature', 'c00kie'])
      expect(logText).not.toContain(secret);

    expect(await stopWithCtrlC(running)).toBe(0);
    for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);

    const firstKey = running.apiKey;
    running = await startSupervisor(env);
    expect(running.apiKey).toBe(firstKey);
    const again = (await (await fetch(`${api}/v1/system/pings/${ping.id}`, { headers: auth })).json()) as {
      status: string;
      message: string;
    };
    expect(again).toMatchObject({ status: 'recorded', message: 'kept' });
    const history = await fetch(`${api}/v1/system/pings/${ping.id}`, { headers: auth });
    expect(history.status).toBe(200);
    expect(await stopWithCtrlC(running)).toBe(0);
  });
});
