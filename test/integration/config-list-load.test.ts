/**
 * Issue 8: configuration lists under load. Three tenants import 2000 sites each through the API; then 50 clients
 * page `GET /v1/config/sites?limit=100` for 5 s over real HTTP (node's http, one keep-alive agent), each alternating
 * between the first page and a deep page (reached by following nextCursor) of a random tenant. Every response must be
 * a correct page of the requesting tenant. No speed is asserted here: the targets live in the bench
 * (`npm run bench -- config-pages`).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { csv, runImport } from '../support/bulk';
import { type TestTenant, useTestStack } from '../support/stack';

const TENANTS = 3;
const PER_TENANT = 2000;
const PAGE = 100;
/** 0-based: the 13th of 20 pages. */
const DEEP = 12;
const CLIENTS = 50;
const DURATION_MS = 5000;
const PROFILE = 'Load Voice and Chat';

interface Tenant {
  prefix: string;
  test: TestTenant;
  /** What was imported, in key order. */
  keys: string[];
  firstPath: string;
  deepPath: string;
  /** First key of the deep page when paging sequentially. */
  deepFirstKey: string;
}

interface Reply {
  status: number;
  body: unknown;
}

const listPath = (cursor?: string): string =>
  `/v1/config/sites?limit=${PAGE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;

function get(agent: http.Agent, port: number, path: string, apiKey: string): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${apiKey}` }, timeout: 60_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: reported as it is
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no response within 60 s')));
    req.on('error', reject);
  });
}

interface Page {
  keys: string[];
  nextCursor?: string;
}

/** The page's keys and cursor, or why the reply is not a page of `expected.length` items of this tenant. */
function readPage(reply: Reply, tenant: Tenant, expected: readonly string[]): Page | string {
  if (reply.status !== 200) return `HTTP ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`;
  const body = reply.body as { items?: unknown; nextCursor?: unknown };
  if (!Array.isArray(body.items)) return 'no items array';
  const keys = (body.items as { key?: unknown; type?: unknown }[]).map((item) =>
    typeof item.key === 'string' && item.type === 'sites' ? item.key : `<bad item ${JSON.stringify(item)}>`,
  );
  if (keys.length !== expected.length) return `${keys.length} items, expected ${expected.length}`;
  const foreign = keys.find((key) => !key.startsWith(`${tenant.prefix}-`));
  if (foreign !== undefined) return `${tenant.prefix} got ${foreign}, not one of its keys`;
  for (let i = 1; i < keys.length; i += 1) {
    const [before, after] = [keys[i - 1] ?? '', keys[i] ?? ''];
    if (!(after > before)) return `keys not strictly increasing: ${before} then ${after}`;
  }
  if (keys.join() !== expected.join())
    return `keys ${keys[0]}…${keys.at(-1)}, expected ${expected[0]}…${expected.at(-1)}`;
  return { keys, ...(typeof body.nextCursor === 'string' ? { nextCursor: body.nextCursor } : {}) };
}

describe('config lists under load: 50 clients page through 3 tenants over real HTTP', () => {
  const { stack } = useTestStack();
  let server: http.Server | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  afterAll(async () => {
    agent.destroy();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('answers every client with correct pages of its own tenant only', async () => {
    const tenants: Tenant[] = await Promise.all(
      Array.from({ length: TENANTS }, async (_, t) => {
        const prefix = `t${t + 1}`;
        const test = await stack.newTenant(`Load tenant ${t + 1}`);
        const profile = csv(
          ['Name', 'Description', 'Type', 'Voice', 'Chat', 'Email', 'Social'],
          [[PROFILE, '', 'BLENDED', '1', '3', '0', '0']],
        );
        expect((await runImport(stack, test, 'multimedia-profiles', profile)).status).toBe('completed');
        const keys = Array.from({ length: PER_TENANT }, (_, i) => `${prefix}-site-${String(i + 1).padStart(5, '0')}`);
        const sites = csv(
          ['Name', 'Multimedia Profile'],
          keys.map((key) => [key, PROFILE]),
        );
        const op = await runImport(stack, test, 'sites', sites);
        expect({ status: op.status, counts: op.counts }).toEqual({
          status: 'completed',
          counts: { total: PER_TENANT, succeeded: PER_TENANT, failed: 0 },
        });
        return { prefix, test, keys, firstPath: listPath(), deepPath: '', deepFirstKey: '' };
      }),
    );
    server = await new Promise<http.Server>((resolve, reject) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    const port = address.port;

    // Sequential paging, one tenant at a time: every page is the next 100 imported keys, the last has no cursor.
    for (const tenant of tenants) {
      let path = listPath();
      for (let page = 0; ; page += 1) {
        const expected = tenant.keys.slice(page * PAGE, (page + 1) * PAGE);
        const read = readPage(await get(agent, port, path, tenant.test.apiKey), tenant, expected);
        if (typeof read === 'string') throw new Error(`${tenant.prefix} page ${page + 1}: ${read}`);
        if (page === DEEP) {
          tenant.deepPath = path;
          tenant.deepFirstKey = read.keys[0] ?? '';
        }
        if (read.nextCursor === undefined) {
          expect(page + 1).toBe(PER_TENANT / PAGE);
          break;
        }
        path = listPath(read.nextCursor);
      }
      expect(tenant.deepFirstKey).toBe(tenant.keys[DEEP * PAGE]);
    }

    // 50 clients for 5 s: first and deep page alternately, random tenant each time; requests in flight at the
    // deadline are awaited.
    const errors: string[] = [];
    const perClient = Array.from({ length: CLIENTS }, () => ({ first: 0, deep: 0, failed: 0 }));
    const deadline = performance.now() + DURATION_MS;
    await Promise.all(
      perClient.map(async (counts, client) => {
        for (let n = 0; performance.now() < deadline; n += 1) {
          const tenant = tenants[Math.floor(Math.random() * tenants.length)];
          if (!tenant) throw new Error('no tenant');
          const deep = (client + n) % 2 === 1;
          const page = deep ? DEEP : 0;
          const expected = tenant.keys.slice(page * PAGE, (page + 1) * PAGE);
          let problem: string | undefined;
          try {
            const read = readPage(
              await get(agent, port, deep ? tenant.deepPath : tenant.firstPath, tenant.test.apiKey),
              tenant,
              expected,
            );
            if (typeof read === 'string') problem = read;
            else if (deep && read.keys[0] !== tenant.deepFirstKey) problem = `deep page starts at ${read.keys[0]}`;
            else if (read.nextCursor === undefined) problem = 'no nextCursor';
          } catch (error) {
            problem = error instanceof Error ? error.message : String(error);
          }
          if (problem === undefined) counts[deep ? 'deep' : 'first'] += 1;
          else {
            counts.failed += 1;
            errors.push(`client ${client} ${tenant.prefix} ${deep ? 'deep' : 'first'}: ${problem}`);
          }
        }
      }),
    );
    const requests = perClient.reduce((sum, counts) => sum + counts.first + counts.deep + counts.failed, 0);
    console.log(
      `${CLIENTS} clients, ${DURATION_MS / 1000} s: ${requests} requests, ${errors.length} errors; ` +
        `per client ${Math.min(...perClient.map((c) => c.first + c.deep))}–${Math.max(...perClient.map((c) => c.first + c.deep))}`,
    );

    expect({ errors: errors.length, samples: errors.slice(0, 10) }).toEqual({ errors: 0, samples: [] });
    expect(perClient.filter((counts) => counts.first + counts.deep === 0)).toEqual([]);
    expect(perClient.reduce((sum, counts) => sum + counts.deep, 0)).toBeGreaterThan(0);
    expect(perClient.reduce((sum, counts) => sum + counts.first, 0)).toBeGreaterThan(0);
  }, 180_000);
});
