/**
 * Issue 9, "Access and credentials": tenants create, list and revoke access keys; `/routing` accepts ACS
 * HMAC-SHA256 signed with the tenant's key on its endpoint (`/tenants/{id}/routing/…`) or a Bearer API key, and
 * answers 401 in Azure's error shape otherwise. Driven over real HTTP (the signature covers the Host header) and by
 * the unmodified official Python client.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { acsContentHash, acsSignature, acsStringToSign } from '../../api/http/auth/acs-hmac';
import { runPythonFixture } from '../support/python-clients';
import { type TestTenant, useTestStack } from '../support/stack';

const API = 'api-version=2023-11-01';

const created = z.object({
  id: z.string(),
  kind: z.literal('acs'),
  createdAt: z.string(),
  connectionString: z.string(),
});
const createdAlibaba = z.object({
  id: z.string(),
  kind: z.literal('alibaba'),
  createdAt: z.string(),
  accessKeyId: z.string(),
  accessKeySecret: z.string(),
});

/** `endpoint=<url>/;accesskey=<secret>` → its parts. */
function parseConnectionString(connectionString: string): { endpoint: string; accessKey: string } {
  const match = /^endpoint=([^;]+);accesskey=(.+)$/.exec(connectionString);
  if (!match?.[1] || !match[2]) throw new Error(`not a connection string: ${connectionString}`);
  return { endpoint: match[1], accessKey: match[2] };
}

interface ClientOutcome {
  ok: boolean;
  error?: string;
  status?: number;
  code?: string;
}

describe('routing access keys and ACS HMAC authentication', () => {
  const { stack, tenant } = useTestStack({ workers: false });
  let server: Server;
  let origin = '';
  let host = '';

  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const { port } = server.address() as AddressInfo;
    host = `127.0.0.1:${port}`;
    origin = `http://${host}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const createAcsKey = async (owner: TestTenant) => {
    const res = await stack.http.post('/v1/tenants/me/access-keys').set(owner.auth).send({ kind: 'acs' });
    expect(res.status).toBe(201);
    const key = created.parse(res.body);
    return { ...key, ...parseConnectionString(key.connectionString) };
  };

  /** A request signed as the ACS SDKs sign it; `skewMs` moves x-ms-date, `signedHost` replaces the signed host. */
  const signedFetch = (
    pathAndQuery: string,
    accessKey: string,
    options: { method?: string; body?: string; skewMs?: number; signedHost?: string } = {},
  ) => {
    const method = options.method ?? 'GET';
    const body = options.body ?? '';
    const date = new Date(Date.now() + (options.skewMs ?? 0)).toUTCString();
    const contentHash = acsContentHash(body);
    const signature = acsSignature(
      accessKey,
      acsStringToSign({ method, pathAndQuery, host: options.signedHost ?? host, date, contentHash }),
    );
    return fetch(`${origin}${pathAndQuery}`, {
      method,
      ...(body ? { body } : {}),
      headers: {
        'content-type': 'application/json',
        'x-ms-date': date,
        'x-ms-content-sha256': contentHash,
        authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
      },
    });
  };

  const expectAzure401 = async (response: Response) => {
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ms-error-code')).toBe('Unauthorized');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('Unauthorized');
    expect(body.error.message).toEqual(expect.any(String));
  };

  const endpointPath = (owner: TestTenant) => `/tenants/${owner.id}/routing`;

  it('creates an ACS key: 201 with a connection string naming the tenant endpoint', async () => {
    const key = await createAcsKey(tenant);
    expect(key.id).toMatch(/^ak-/);
    expect(new Date(key.createdAt).toISOString()).toBe(key.createdAt);
    expect(key.endpoint).toBe(`http://127.0.0.1:8080/tenants/${tenant.id}/`);
    expect(Buffer.from(key.accessKey, 'base64')).toHaveLength(32);
  });

  it('creates an Alibaba key: LTAI AccessKeyId and a 30-character secret', async () => {
    const res = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'alibaba' });
    expect(res.status).toBe(201);
    const key = createdAlibaba.parse(res.body);
    expect(key.accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
    expect(key.accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/);
    // Findable by `_id` = AccessKeyId, for the RPC signature schemes.
    const pointer = await stack.db.accessKeys.findById(key.accessKeyId).lean();
    expect(pointer).toMatchObject({ tenantId: tenant.id, keyId: key.id });
  });

  it('refuses an unknown kind and an unauthenticated caller in problem+json', async () => {
    const bad = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'aws' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    const anonymous = await stack.http.post('/v1/tenants/me/access-keys').send({ kind: 'acs' });
    expect(anonymous.status).toBe(401);
  });

  it('lists keys without secrets, and stores secrets only encrypted', async () => {
    const key = await createAcsKey(tenant);
    const list = await stack.http.get('/v1/tenants/me/access-keys').set(tenant.auth);
    expect(list.status).toBe(200);
    const listed = (list.body as { items: Record<string, unknown>[] }).items;
    expect(listed).toContainEqual({ id: key.id, kind: 'acs', createdAt: key.createdAt });
    for (const item of listed)
      expect(Object.keys(item).sort()).toEqual(expect.arrayContaining(['createdAt', 'id', 'kind']));
    expect(JSON.stringify(list.body)).not.toContain(key.accessKey);
    expect(JSON.stringify(list.body)).not.toMatch(/secret|connectionString/i);

    // The raw documents of the collection: neither the base64 secret nor its bytes in any other spelling.
    const raw = await stack.db.connection.collection('tenant_access_keys').find({}).toArray();
    const dump = JSON.stringify(raw);
    expect(dump).toContain(key.id);
    expect(dump).not.toContain(key.accessKey);
    expect(dump).not.toContain(Buffer.from(key.accessKey, 'base64').toString('hex'));
    expect(dump).not.toContain(Buffer.from(key.accessKey, 'base64').toString('base64url'));
  });

  it('accepts an HMAC-signed request on the tenant endpoint: the routing 404, not a 401', async () => {
    const key = await createAcsKey(tenant);
    const res = await signedFetch(`${endpointPath(tenant)}/nothing-here?${API}`, key.accessKey);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-ms-error-code')).toBe('NotFound');
    expect(await res.json()).toEqual({
      error: { code: 'NotFound', message: `No route for GET ${endpointPath(tenant)}/nothing-here` },
    });
    // The host spelling the official client signs (its endpoint without the scheme) is accepted too, and so is a
    // signed body: the request gets past authentication to the queue's validation (a queue needs its policy).
    const asClient = await signedFetch(`${endpointPath(tenant)}/queues/q-1?${API}`, key.accessKey, {
      method: 'PATCH',
      body: '{"name":"q"}',
      signedHost: `${host}/tenants/${tenant.id}/`,
    });
    expect(asClient.status).toBe(400);
    expect(JSON.stringify(await asClient.json())).toContain('distributionPolicyId');
  });

  it('answers 401 in the Azure shape: no credential, wrong key, swapped body, skewed date', async () => {
    const key = await createAcsKey(tenant);
    const path = `${endpointPath(tenant)}/nothing-here?${API}`;
    await expectAzure401(await fetch(`${origin}${path}`));
    await expectAzure401(await fetch(`${origin}/routing/nothing-here?${API}`));
    await expectAzure401(await signedFetch(path, Buffer.from('x'.repeat(32)).toString('base64')));
    await expectAzure401(await signedFetch(path, key.accessKey, { skewMs: 16 * 60 * 1000 }));
    await expectAzure401(await signedFetch(path, key.accessKey, { skewMs: -16 * 60 * 1000 }));
    // Within the window is fine.
    expect((await signedFetch(path, key.accessKey, { skewMs: -10 * 60 * 1000 })).status).toBe(404);

    const date = new Date().toUTCString();
    const signature = acsSignature(
      key.accessKey,
      acsStringToSign({ method: 'PATCH', pathAndQuery: path, host, date, contentHash: acsContentHash('{"a":1}') }),
    );
    const swapped = await fetch(`${origin}${path}`, {
      method: 'PATCH',
      body: '{"a":2}',
      headers: {
        'content-type': 'application/json',
        'x-ms-date': date,
        'x-ms-content-sha256': acsContentHash('{"a":1}'),
        authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
      },
    });
    await expectAzure401(swapped);
    // HMAC needs the tenant endpoint: on bare /routing no key is tried.
    await expectAzure401(await signedFetch(`/routing/nothing-here?${API}`, key.accessKey));
  });

  it('still accepts the Bearer API key, on /routing and on its own endpoint only', async () => {
    const bare = await fetch(`${origin}/routing/nothing-here?${API}`, { headers: tenant.auth });
    expect(bare.status).toBe(404);
    const own = await fetch(`${origin}${endpointPath(tenant)}/nothing-here?${API}`, { headers: tenant.auth });
    expect(own.status).toBe(404);
    const other = await stack.newTenant('Other');
    const foreign = await fetch(`${origin}${endpointPath(other)}/nothing-here?${API}`, { headers: tenant.auth });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toContain('No router endpoint');
  });

  it('revokes a key: 204, then the next signed request is 401; unknown and foreign ids are 404', async () => {
    const key = await createAcsKey(tenant);
    const path = `${endpointPath(tenant)}/nothing-here?${API}`;
    expect((await signedFetch(path, key.accessKey)).status).toBe(404);

    const other = await stack.newTenant('Other');
    const foreign = await stack.http.delete(`/v1/tenants/me/access-keys/${key.id}`).set(other.auth);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await signedFetch(path, key.accessKey)).status).toBe(404);

    const revoked = await stack.http.delete(`/v1/tenants/me/access-keys/${key.id}`).set(tenant.auth);
    expect(revoked.status).toBe(204);
    await expectAzure401(await signedFetch(path, key.accessKey));
    const list = await stack.http.get('/v1/tenants/me/access-keys').set(tenant.auth);
    expect((list.body as { items: { id: string }[] }).items.map((item) => item.id)).not.toContain(key.id);

    const again = await stack.http.delete(`/v1/tenants/me/access-keys/${key.id}`).set(tenant.auth);
    expect(again.status).toBe(404);
  });

  it('revokes an Alibaba key together with its AccessKeyId pointer', async () => {
    const res = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'alibaba' });
    const key = createdAlibaba.parse(res.body);
    expect((await stack.http.delete(`/v1/tenants/me/access-keys/${key.id}`).set(tenant.auth)).status).toBe(204);
    expect(await stack.db.accessKeys.findById(key.accessKeyId).lean()).toBeNull();
  });

  it("another tenant's key cannot reach this tenant's endpoint", async () => {
    const other = await stack.newTenant('Other');
    const otherKey = await createAcsKey(other);
    expect((await signedFetch(`${endpointPath(other)}/nothing-here?${API}`, otherKey.accessKey)).status).toBe(404);
    await expectAzure401(await signedFetch(`${endpointPath(tenant)}/nothing-here?${API}`, otherKey.accessKey));
  });

  describe('the official client, azure-communication-jobrouter 1.0.0, unmodified', () => {
    const run = (endpoint: string, accessKey: string) =>
      runPythonFixture<ClientOutcome[]>('jobrouter_calls.py', [JSON.stringify([{ op: 'get_queue', id: 'q-1' }])], {
        CCFLOW_ENDPOINT: endpoint,
        CCFLOW_ACS_KEY: accessKey,
      });

    it('authenticates with the endpoint and access key of the connection string (the resource is a 404)', async () => {
      const key = await createAcsKey(tenant);
      // The connection string names the configured public base URL; this test's server listens elsewhere.
      const endpoint = key.endpoint.replace('http://127.0.0.1:8080', origin);
      for (const spelling of [endpoint, endpoint.replace(/\/$/, '')]) {
        const [outcome] = await run(spelling, key.accessKey);
        expect(outcome).toMatchObject({ ok: false, error: 'ResourceNotFoundError', status: 404, code: 'NotFound' });
      }
      const [wrong] = await run(endpoint, Buffer.from('y'.repeat(32)).toString('base64'));
      expect(wrong).toMatchObject({ ok: false, error: 'ClientAuthenticationError', status: 401, code: 'Unauthorized' });
    }, 120_000);
  });
});
