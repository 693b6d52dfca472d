import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { callRule, type CalloutOptions, TokenCache } from '../../activities/routing/callouts';
import type { CalloutRule } from '../../domain/routing/classification';
import { routerRuleSchema } from '../../domain/routing/unions';

/** function and webhook rules over HTTP (spec §4.3) against a local server this file starts. */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';
type Handler = (request: Seen, count: number) => Reply;

let server: http.Server;
let base: string;
let handlers = new Map<string, Handler>();
let seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      const handler = handlers.get(url.pathname);
      const reply = handler ? handler(request, seen.filter((s) => s.path === url.pathname).length) : { status: 404 };
      if (reply === 'hang') return; // never answers: the client times out
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let sleeps: number[] = [];
let tokens: TokenCache;
let clock = 0;
beforeEach(() => {
  handlers = new Map();
  seen = [];
  sleeps = [];
  clock = 1_000_000;
  tokens = new TokenCache(() => clock);
});

/** Fast settings: backoff waits are recorded, not slept. */
const options = (extra: CalloutOptions = {}): CalloutOptions => ({
  tokens,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  ...extra,
});

const rule = (body: Record<string, unknown>): CalloutRule => {
  const parsed = routerRuleSchema.parse(body);
  if (parsed.kind !== 'function' && parsed.kind !== 'webhook') throw new Error('not a callout rule');
  return parsed;
};
const json = (value: unknown, status = 200): Reply => ({ status, body: JSON.stringify(value) });
const PAYLOAD = { job: { lang: 'fr', vip: true, tier: 3 } };

describe('function rules', () => {
  it('POSTs the payload as JSON with x-functions-key; the reply body is the value', async () => {
    handlers.set('/api/prio', () => json(42));
    const result = await callRule(
      rule({ kind: 'function', functionUri: `${base}/api/prio`, credential: { functionKey: 'fk-123' } }),
      PAYLOAD,
      options(),
    );
    expect(result).toEqual({ ok: true, value: 42 });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.headers['x-functions-key']).toBe('fk-123');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual(PAYLOAD);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('appKey and clientId go in the query as code= and clientId=, next to the URI’s own parameters', async () => {
    handlers.set('/api/fn', () => json(true));
    const result = await callRule(
      rule({
        kind: 'function',
        functionUri: `${base}/api/fn?mode=x`,
        credential: { appKey: 'app-secret', clientId: 'default' },
      }),
      PAYLOAD,
      options(),
    );
    expect(result).toEqual({ ok: true, value: true });
    expect(Object.fromEntries(seen[0]?.query ?? [])).toEqual({ mode: 'x', code: 'app-secret', clientId: 'default' });
    expect(seen[0]?.headers['x-functions-key']).toBeUndefined();
  });

  it.each<[string, Reply, unknown]>([
    ['an array (batch scores)', json([0.5, 2, 1]), [0.5, 2, 1]],
    [
      'selectors',
      json([{ key: 'a', labelOperator: 'equal', value: 1 }]),
      [{ key: 'a', labelOperator: 'equal', value: 1 }],
    ],
    [
      'text that is not JSON, as text',
      { status: 200, body: 'gold', headers: { 'content-type': 'text/plain' } },
      'gold',
    ],
    ['an empty body, as blank', { status: 204 }, undefined],
    ['JSON null', json(null), null],
  ])('a reply of %s', async (_label, reply, value) => {
    handlers.set('/fn', () => reply);
    expect(await callRule(rule({ kind: 'function', functionUri: `${base}/fn` }), PAYLOAD, options())).toEqual({
      ok: true,
      value,
    });
  });

  it('5xx is retried with backoff (200 ms, then 400 ms): 500, 500, 200 succeeds', async () => {
    handlers.set('/flaky', (_request, count) => (count <= 2 ? { status: 500 } : json(7)));
    const result = await callRule(rule({ kind: 'function', functionUri: `${base}/flaky` }), PAYLOAD, options());
    expect(result).toEqual({ ok: true, value: 7 });
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([200, 400]);
  });

  it('5xx every time fails after 3 attempts; the reason names the rule, its URI without the query, the status', async () => {
    handlers.set('/down', () => ({ status: 503 }));
    const result = await callRule(
      rule({ kind: 'function', functionUri: `${base}/down?x=1`, credential: { appKey: 'hidden-key' } }),
      PAYLOAD,
      options(),
    );
    expect(result).toEqual({ ok: false, reason: `the function rule ${base}/down answered HTTP 503 (3 attempts)` });
    expect(seen).toHaveLength(3);
    expect(JSON.stringify(result)).not.toContain('hidden-key');
  });

  it.each([408, 429])('%s is retried', async (status) => {
    handlers.set('/busy', (_request, count) => (count === 1 ? { status } : json(1)));
    expect(await callRule(rule({ kind: 'function', functionUri: `${base}/busy` }), PAYLOAD, options())).toEqual({
      ok: true,
      value: 1,
    });
    expect(seen).toHaveLength(2);
  });

  it.each([400, 401, 403, 404])('%s fails at once', async (status) => {
    handlers.set('/no', () => ({ status }));
    const result = await callRule(rule({ kind: 'function', functionUri: `${base}/no` }), PAYLOAD, options());
    expect(result).toEqual({ ok: false, reason: `the function rule ${base}/no answered HTTP ${status}` });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a redirect is not followed: a failure', async () => {
    handlers.set('/moved', () => ({ status: 302, headers: { location: `${base}/elsewhere` } }));
    handlers.set('/elsewhere', () => json(1));
    const result = await callRule(rule({ kind: 'function', functionUri: `${base}/moved` }), PAYLOAD, options());
    expect(result).toEqual({ ok: false, reason: `the function rule ${base}/moved answered HTTP 302` });
    expect(seen.map((s) => s.path)).toEqual(['/moved']);
  });

  it('no reply within the timeout is retried, then a failure saying so', async () => {
    handlers.set('/slow', () => 'hang');
    const result = await callRule(
      rule({ kind: 'function', functionUri: `${base}/slow` }),
      PAYLOAD,
      options({ timeoutMs: 100 }),
    );
    expect(result).toEqual({
      ok: false,
      reason: `the function rule ${base}/slow answered no reply within 100 ms (3 attempts)`,
    });
    expect(seen).toHaveLength(3);
  });

  it('a refused connection is retried, then a failure naming the error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await callRule(
      rule({ kind: 'function', functionUri: `http://127.0.0.1:${port}/x` }),
      PAYLOAD,
      options(),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(
        new RegExp(`^the function rule http://127.0.0.1:${port}/x answered .*ECONNREFUSED`),
      );
      expect(result.reason).toContain('(3 attempts)');
    }
    expect(sleeps).toEqual([200, 400]);
  });

  it('a reply larger than the limit is a failure', async () => {
    handlers.set('/big', () => ({ status: 200, body: JSON.stringify('x'.repeat(5000)) }));
    const result = await callRule(
      rule({ kind: 'function', functionUri: `${base}/big` }),
      PAYLOAD,
      options({ maxBodyBytes: 1000 }),
    );
    expect(result).toEqual({
      ok: false,
      reason: `the function rule ${base}/big answered a reply larger than 1000 bytes`,
    });
  });

  it('the time budget stops the retries', async () => {
    handlers.set('/down', () => ({ status: 500 }));
    let now = 0;
    const result = await callRule(
      rule({ kind: 'function', functionUri: `${base}/down` }),
      PAYLOAD,
      options({
        now: () => now,
        budgetMs: 300,
        sleep: async (ms) => {
          now += ms;
        },
      }),
    );
    expect(result).toEqual({
      ok: false,
      reason: `the function rule ${base}/down answered HTTP 500 (2 attempts, out of time)`,
    });
    expect(seen).toHaveLength(2);
  });
});

describe('webhook rules (OAuth2 client credentials)', () => {
  const webhook = (extra: Record<string, unknown> = {}) =>
    rule({
      kind: 'webhook',
      authorizationServerUri: `${base}/oauth/token`,
      clientCredential: { clientId: 'router', clientSecret: 's3cret' },
      webhookUri: `${base}/hook`,
      ...extra,
    });
  let issued = 0;
  const tokenEndpoint = (expiresIn: number | string | null = 3600) =>
    handlers.set('/oauth/token', () =>
      json({
        access_token: `token-${++issued}`,
        token_type: 'Bearer',
        ...(expiresIn === null ? {} : { expires_in: expiresIn }),
      }),
    );
  beforeEach(() => {
    issued = 0;
  });

  it('gets a token with the client credentials (form), then POSTs the payload with it as Bearer', async () => {
    tokenEndpoint();
    handlers.set('/hook', (request) => json(request.headers.authorization === 'Bearer token-1' ? 9 : -1));
    expect(await callRule(webhook(), PAYLOAD, options())).toEqual({ ok: true, value: 9 });
    const [token, hook] = seen;
    expect(token?.method).toBe('POST');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'router',
      client_secret: 's3cret',
    });
    expect(JSON.parse(hook?.body ?? '')).toEqual(PAYLOAD);
    expect(hook?.headers['content-type']).toBe('application/json');
  });

  it('caches the token per server and client id until shortly before it expires', async () => {
    tokenEndpoint(3600);
    handlers.set('/hook', () => json(1));
    await callRule(webhook(), PAYLOAD, options());
    await callRule(webhook(), PAYLOAD, options());
    expect(seen.filter((s) => s.path === '/oauth/token')).toHaveLength(1);
    // Another client id is another token.
    await callRule(webhook({ clientCredential: { clientId: 'other', clientSecret: 'x' } }), PAYLOAD, options());
    expect(seen.filter((s) => s.path === '/oauth/token')).toHaveLength(2);
    // 60 s before the hour is up the token is renewed.
    clock += 3_539_000;
    await callRule(webhook(), PAYLOAD, options());
    expect(seen.filter((s) => s.path === '/oauth/token')).toHaveLength(2);
    clock += 2_000;
    await callRule(webhook(), PAYLOAD, options());
    expect(seen.filter((s) => s.path === '/oauth/token')).toHaveLength(3);
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer token-3');
  });

  it('a rule with the same server and client id but another secret does not get the cached token', async () => {
    handlers.set('/oauth/token', (request) =>
      new URLSearchParams(request.body).get('client_secret') === 's3cret'
        ? json({ access_token: `token-${++issued}`, expires_in: 3600 })
        : json({ error: 'invalid_client' }, 401),
    );
    handlers.set('/hook', () => json(1));
    expect(await callRule(webhook(), PAYLOAD, options())).toEqual({ ok: true, value: 1 });
    const guess = webhook({ clientCredential: { clientId: 'router', clientSecret: 'guess' } });
    expect(await callRule(guess, PAYLOAD, options())).toEqual({
      ok: false,
      reason: `the webhook rule ${base}/hook: its authorization server ${base}/oauth/token answered HTTP 401`,
    });
    expect(seen.filter((s) => s.path === '/hook')).toHaveLength(1);
  });

  it('expires_in as text counts; a token without expires_in is used once', async () => {
    tokenEndpoint('120');
    handlers.set('/hook', () => json(1));
    await callRule(webhook(), PAYLOAD, options());
    await callRule(webhook(), PAYLOAD, options());
    expect(issued).toBe(1);
    tokenEndpoint(null);
    const fresh = webhook({ clientCredential: { clientId: 'no-expiry' } });
    await callRule(fresh, PAYLOAD, options());
    await callRule(fresh, PAYLOAD, options());
    expect(issued).toBe(3);
  });

  it('concurrent calls share one token request', async () => {
    tokenEndpoint();
    handlers.set('/hook', () => json(1));
    const results = await Promise.all(Array.from({ length: 5 }, () => callRule(webhook(), PAYLOAD, options())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(issued).toBe(1);
  });

  it('a 401 with a cached token drops it and tries once more with a new one', async () => {
    tokenEndpoint();
    handlers.set('/hook', (request) =>
      request.headers.authorization === 'Bearer token-1' ? json(1) : { status: 401 },
    );
    await callRule(webhook(), PAYLOAD, options());
    handlers.set('/hook', (request) =>
      request.headers.authorization === 'Bearer token-2' ? json(2) : { status: 401 },
    );
    expect(await callRule(webhook(), PAYLOAD, options())).toEqual({ ok: true, value: 2 });
    expect(issued).toBe(2);
    // A fresh token refused is a failure, not a loop.
    handlers.set('/hook', () => ({ status: 401 }));
    expect(await callRule(webhook({ clientCredential: { clientId: 'x' } }), PAYLOAD, options())).toEqual({
      ok: false,
      reason: `the webhook rule ${base}/hook answered HTTP 401`,
    });
  });

  it('a token endpoint refusing the credentials is a failure naming the authorization server', async () => {
    handlers.set('/oauth/token', () => json({ error: 'invalid_client' }, 401));
    const result = await callRule(webhook(), PAYLOAD, options());
    expect(result).toEqual({
      ok: false,
      reason: `the webhook rule ${base}/hook: its authorization server ${base}/oauth/token answered HTTP 401`,
    });
    expect(seen.filter((s) => s.path === '/hook')).toHaveLength(0);
  });

  it('a token endpoint failing with 5xx is retried; a reply without access_token is a failure', async () => {
    handlers.set('/oauth/token', (_request, count) => (count === 1 ? { status: 502 } : json({ access_token: 't' })));
    handlers.set('/hook', () => json('ok'));
    expect(await callRule(webhook(), PAYLOAD, options())).toEqual({ ok: true, value: 'ok' });
    handlers.set('/oauth/token', () => json({ token: 'nope' }));
    expect(await callRule(webhook({ clientCredential: { clientId: 'y' } }), PAYLOAD, options())).toEqual({
      ok: false,
      reason: `the webhook rule ${base}/hook: its authorization server ${base}/oauth/token gave no access_token`,
    });
  });

  it('the webhook itself is retried on 5xx like a function', async () => {
    tokenEndpoint();
    handlers.set('/hook', (_request, count) => (count <= 2 ? { status: 500 } : json([1, 2])));
    expect(await callRule(webhook(), { job: {}, selectors: [], workers: [{}, {}] }, options())).toEqual({
      ok: true,
      value: [1, 2],
    });
    expect(issued).toBe(1);
  });

  it('without an authorizationServerUri the webhook is called without credentials; without a webhookUri it fails', async () => {
    handlers.set('/hook', (request) => json(request.headers.authorization ?? 'none'));
    expect(await callRule(rule({ kind: 'webhook', webhookUri: `${base}/hook` }), PAYLOAD, options())).toEqual({
      ok: true,
      value: 'none',
    });
    expect(await callRule(rule({ kind: 'webhook' }), PAYLOAD, options())).toEqual({
      ok: false,
      reason: 'the webhook rule has no valid webhookUri',
    });
  });
});
