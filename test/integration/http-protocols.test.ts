/**
 * The three wire protocols of one server, driven by real clients over a real socket: curl for the raw wire (status,
 * headers, error bodies), and the official Python SDKs (azure-communication-jobrouter 1.0.0 with an ACS access key,
 * alibabacloud-outboundbot20191226 2.2.1 with V3 and V1 signatures) in child processes. The server is
 * test/support/protocol-app.ts: production building blocks with test routes. Requirements: official-clients.md,
 * job-router.md §1, outbound-bot.md §1.2–§1.8 and §3.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { acsContentHash, acsSignature, acsStringToSign } from '../../api/http/auth/acs-hmac';
import { percentEncode, rpcV1Signature, v3Signature } from '../../api/http/auth/alibaba-signature';
import {
  ACS_KEYS,
  ALIBABA_KEYS,
  OUTBOUND_VERSION,
  ROUTER_VERSION,
  type RunningProtocolApp,
  UNKNOWN_ACS_KEY,
  startProtocolApp,
} from '../support/protocol-app';
import { pythonWithClients, runPythonFixture } from '../support/python-clients';

const API = `api-version=${ROUTER_VERSION}`;
const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';
const [AK_A, AK_B] = ['LTAI5tCcflowTestTenantA', 'LTAI5tCcflowTestTenantB'] as const;

interface CurlResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ClientOutcome {
  ok: boolean;
  /** Azure: the deserialised model (as_dict). */
  result?: Record<string, unknown> | null;
  /** Alibaba: the response body model (to_map), or null when the SDK could not map it. */
  body?: Record<string, unknown> | null;
  error?: string;
  status?: number | null;
  code?: string | null;
  message?: string;
}

let app: RunningProtocolApp;

beforeAll(async () => {
  pythonWithClients(); // first run on a machine without `npm test`'s pretest: installs the pinned clients
  app = await startProtocolApp();
}, 600_000);

afterAll(async () => {
  if (app) await app.close(); // undefined when beforeAll failed: keep its error the one reported
});

function curl(
  pathAndQuery: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<CurlResponse> {
  const args = ['-sS', '-i', '--http1.1', '--noproxy', '*', '--path-as-is', '-X', options.method ?? 'GET'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (options.body !== undefined) args.push('--data-binary', options.body);
  args.push(`${app.url}${pathAndQuery}`);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      const split = stdout.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = stdout.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: stdout.slice(split + 4) });
    });
  });
}

const json = (response: CurlResponse): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

const xml = (response: CurlResponse): Record<string, Record<string, unknown>> =>
  new XMLParser({ parseTagValue: false }).parse(response.body) as Record<string, Record<string, unknown>>;

/** The Authorization, x-ms-date and x-ms-content-sha256 headers of an ACS HMAC request (signer: unit-tested). */
function acsHeaders(method: string, pathAndQuery: string, body: string, key: string, date = new Date()) {
  const contentHash = acsContentHash(body);
  const xMsDate = date.toUTCString();
  const stringToSign = acsStringToSign({
    method,
    pathAndQuery,
    host: `127.0.0.1:${app.port}`,
    date: xMsDate,
    contentHash,
  });
  return {
    'x-ms-date': xMsDate,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${acsSignature(key, stringToSign)}`,
  };
}

const alibabaTimestamp = (at = new Date()): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

const encodeQuery = (params: Record<string, string>): string =>
  Object.entries(params)
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`)
    .join('&');

/** A V1-signed RPC query string, as `signature_algorithm='v2'` clients send it (signer: unit-tested). */
function v1Query(
  action: string,
  params: Record<string, string>,
  options: { accessKeyId?: string; secret?: string; timestamp?: string; extra?: Record<string, string> } = {},
): string {
  const signed: Record<string, string> = {
    Action: action,
    Version: OUTBOUND_VERSION,
    Format: 'JSON',
    AccessKeyId: options.accessKeyId ?? AK_A,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: options.timestamp ?? alibabaTimestamp(),
    ...params,
  };
  const signature = rpcV1Signature('POST', signed, options.secret ?? ALIBABA_KEYS[AK_A].secret);
  return encodeQuery({ ...signed, ...options.extra, Signature: signature });
}

/** A V3-signed RPC request (path + headers), as the SDK's default signer sends it (signer: unit-tested). */
function v3Request(action: string, query: Record<string, string>, body = '', nonce = randomUUID()) {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${app.port}`,
    'x-acs-action': action,
    'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
    'x-acs-date': alibabaTimestamp(),
    'x-acs-signature-nonce': nonce,
    'x-acs-version': OUTBOUND_VERSION,
  };
  const signedHeaders = Object.keys(headers).sort();
  const signature = v3Signature(
    {
      method: 'POST',
      path: '/',
      query,
      headers,
      signedHeaders,
      contentHash: headers['x-acs-content-sha256'] ?? '',
    },
    ALIBABA_KEYS[AK_A].secret,
  );
  const { host: _host, ...sent } = headers;
  return {
    path: `/?${encodeQuery(query)}`,
    headers: {
      ...sent,
      authorization: `ACS3-HMAC-SHA256 Credential=${AK_A},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
    },
  };
}

describe('curl: the Azure Job Router wire (/routing)', () => {
  it('answers an unknown path with the Azure error shape and x-ms-error-code', async () => {
    const response = await curl(`/routing/nothing/here?${API}`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-ms-error-code']).toBe('NotFound');
    expect(json(response)).toEqual({ error: { code: 'NotFound', message: expect.any(String) } });
  });

  it('requires api-version: MissingApiVersionParameter when absent', async () => {
    const response = await curl('/routing/things/t1');
    expect(response.status).toBe(400);
    expect(response.headers['x-ms-error-code']).toBe('MissingApiVersionParameter');
    expect(json(response)).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
  });

  it('requires api-version: UnsupportedApiVersion for any other version', async () => {
    const response = await curl('/routing/things/t1?api-version=2023-08-25-preview');
    expect(response.status).toBe(400);
    expect(response.headers['x-ms-error-code']).toBe('UnsupportedApiVersion');
    expect(json(response)).toMatchObject({ error: { code: 'UnsupportedApiVersion' } });
  });

  it('routes :verb actions as part of the last segment, and decodes the id before the verb', async () => {
    const frob = await curl(`/routing/things/a%3Ab:frob?${API}`, { method: 'POST' });
    expect(frob.status).toBe(200);
    expect(json(frob)).toEqual({ id: 'a:b', frobbed: true });

    const unknownVerb = await curl(`/routing/things/t1:explode?${API}`, { method: 'POST' });
    expect(unknownVerb.status).toBe(404);
    expect(unknownVerb.headers['x-ms-error-code']).toBe('NotFound');
  });

  it('accepts application/merge-patch+json bodies and refuses malformed JSON in the Azure shape', async () => {
    const patched = await curl(`/routing/things/t1?${API}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"name":"Zoë","labels":{"tier":2}}',
    });
    expect(patched.status).toBe(200);
    expect(json(patched)).toEqual({
      id: 't1',
      contentType: 'application/merge-patch+json',
      name: 'Zoë',
      labels: { tier: 2 },
    });

    const malformed = await curl(`/routing/things/t1?${API}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers['x-ms-error-code']).toBe('BadRequest');
    expect(json(malformed)).toMatchObject({ error: { code: 'BadRequest' } });
  });

  it('answers malformed percent-encoding in a path parameter with 400, never 500, in each group’s envelope', async () => {
    const routing = await curl(`/routing/things/%E0%A4%A?${API}`);
    expect(routing.status).toBe(400);
    expect(routing.headers['x-ms-error-code']).toBe('BadRequest');
    expect(json(routing)).toMatchObject({ error: { code: 'BadRequest' } });

    const native = await curl('/v1/echo/%zz');
    expect(native.status).toBe(400);
    expect(native.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json(native)).toMatchObject({ status: 400, code: 'badRequest' });
  });

  it('refuses a tenant route without credentials with 401 in the Azure shape', async () => {
    const response = await curl(`/routing/queues/q-1?${API}`);
    expect(response.status).toBe(401);
    expect(response.headers['x-ms-error-code']).toBe('Unauthorized');
    expect(json(response)).toMatchObject({ error: { code: 'Unauthorized' } });
  });

  it('accepts an ACS HMAC request, and refuses one dated outside ±15 minutes or whose body changed', async () => {
    const path = `/routing/queues/q-1?${API}`;
    const body = '{"name":"signed"}';
    const merge = { 'content-type': 'application/merge-patch+json' };
    const accepted = await curl(path, {
      method: 'PATCH',
      headers: { ...merge, ...acsHeaders('PATCH', path, body, ACS_KEYS['tenant-a']) },
      body,
    });
    expect(accepted.status).toBe(200);
    expect(json(accepted)).toMatchObject({ id: 'q-1', name: 'signed', labels: { Tenant: 'tenant-a' } });

    const stale = new Date(Date.now() - 20 * 60 * 1000);
    const old = await curl(path, {
      method: 'PATCH',
      headers: { ...merge, ...acsHeaders('PATCH', path, body, ACS_KEYS['tenant-a'], stale) },
      body,
    });
    expect(old.status).toBe(401);
    expect(json(old)).toMatchObject({
      error: { code: 'Unauthorized', message: expect.stringContaining('15 minutes') },
    });

    const tampered = await curl(path, {
      method: 'PATCH',
      headers: { ...merge, ...acsHeaders('PATCH', path, body, ACS_KEYS['tenant-a']) },
      body: '{"name":"changed"}',
    });
    expect(tampered.status).toBe(401);
    expect(json(tampered)).toMatchObject({ error: { code: 'Unauthorized' } });
  });
});

describe('curl: the Alibaba RPC wire (/?Action=…)', () => {
  it('answers an unsigned call with the Alibaba JSON error, whether the action is in the query or x-acs-action', async () => {
    for (const request of [
      curl(`/?Action=ListJobs&Version=${OUTBOUND_VERSION}`, { method: 'POST' }),
      curl('/', { method: 'POST', headers: { 'x-acs-action': 'ListJobs', 'x-acs-version': OUTBOUND_VERSION } }),
    ]) {
      const response = await request;
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(json(response)).toEqual({
        RequestId: response.headers['x-request-id'],
        HostId: `127.0.0.1:${app.port}`,
        Code: 'Unauthorized',
        Message: expect.any(String),
      });
    }
  });

  it('leaves / without an action to the native API', async () => {
    const response = await curl('/?Foo=1');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves a V1-signed call and answers an unknown action with InvalidAction.NotFound', async () => {
    const ok = await curl(
      `/?${v1Query('ListJobs', { InstanceId: 'inst-1', 'JobId.1': 'job-1', 'JobId.2': 'job 2' })}`,
      {
        method: 'POST',
      },
    );
    expect(ok.status).toBe(200);
    expect(json(ok)).toMatchObject({
      Success: true,
      Code: 'OK',
      HttpStatusCode: 200,
      Jobs: [{ JobId: 'job-1' }, { JobId: 'job 2' }],
    });

    const unknown = await curl(`/?${v1Query('NoSuchAction', {})}`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toMatchObject({ Code: 'InvalidAction.NotFound' });
  });

  it('answers a wrong Version with InvalidVersion and a JobId.N gap with InvalidParameter naming the key', async () => {
    const version = await curl(`/?${v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'a', Version: '2017-01-01' })}`, {
      method: 'POST',
    });
    expect(version.status).toBe(400);
    expect(json(version)).toMatchObject({ Code: 'InvalidVersion' });

    const gap = await curl(`/?${v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'a', 'JobId.3': 'c' })}`, {
      method: 'POST',
    });
    expect(gap.status).toBe(400);
    expect(json(gap)).toMatchObject({ Code: 'InvalidParameter', Message: expect.stringContaining('JobId.2') });
  });

  it('answers Format=XML errors as <Error> with content-type exactly text/xml;charset=utf-8', async () => {
    const unsigned = await curl(`/?Action=ListJobs&Version=${OUTBOUND_VERSION}&Format=XML`, { method: 'POST' });
    expect(unsigned.status).toBe(401);
    expect(xml(unsigned).Error).toMatchObject({ Code: 'Unauthorized', RequestId: unsigned.headers['x-request-id'] });

    const unknown = await curl(`/?${v1Query('NoSuchAction', { Format: 'XML' })}`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(xml(unknown).Error).toMatchObject({ Code: 'InvalidAction.NotFound' });

    // The V3 SDK parses an XML error only under exactly this content type (official-clients.md).
    expect(unsigned.headers['content-type']).toBe(XML_CONTENT_TYPE);
    expect(unknown.headers['content-type']).toBe(XML_CONTENT_TYPE);
  });

  it('answers a Format=XML success as <ListJobsResponse> with content-type exactly text/xml;charset=utf-8', async () => {
    const response = await curl(`/?${v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'job-1', Format: 'xml' })}`, {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(xml(response).ListJobsResponse).toMatchObject({ Code: 'OK', Jobs: { JobId: 'job-1' } });
    expect(response.headers['content-type']).toBe(XML_CONTENT_TYPE);
  });

  it('refuses a V1 request whose parameters changed after signing', async () => {
    const query = v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'mine' }).replace('JobId.1=mine', 'JobId.1=yours');
    const response = await curl(`/?${query}`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(json(response)).toMatchObject({ Code: 'SignatureDoesNotMatch' });
  });

  it('refuses a replayed V1 request (SignatureNonceUsed) and a stale Timestamp (InvalidTimeStamp.Expired)', async () => {
    const query = v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'once' });
    expect((await curl(`/?${query}`, { method: 'POST' })).status).toBe(200);
    const replay = await curl(`/?${query}`, { method: 'POST' });
    expect(replay.status).toBe(400);
    expect(json(replay)).toMatchObject({ Code: 'SignatureNonceUsed' });

    const stale = alibabaTimestamp(new Date(Date.now() - 20 * 60 * 1000));
    const expired = await curl(`/?${v1Query('ListJobs', { InstanceId: 'i', 'JobId.1': 'a' }, { timestamp: stale })}`, {
      method: 'POST',
    });
    expect(expired.status).toBe(400);
    expect(json(expired)).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
  });

  it('serves a V3-signed call once: a replayed nonce and a body that does not match its hash are refused', async () => {
    const request = v3Request('ListJobs', { InstanceId: 'i', 'JobId.1': 'v3 job' });
    const first = await curl(request.path, { method: 'POST', headers: request.headers });
    expect(first.status).toBe(200);
    expect(json(first)).toMatchObject({ Jobs: [{ JobId: 'v3 job' }] });

    const replay = await curl(request.path, { method: 'POST', headers: request.headers });
    expect(replay.status).toBe(400);
    expect(json(replay)).toMatchObject({ Code: 'SignatureNonceUsed' });

    const signedForm = v3Request('AssignJobsAsync', {}, 'InstanceId=i&JobGroupId=g');
    const swapped = await curl(signedForm.path, {
      method: 'POST',
      headers: { ...signedForm.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'InstanceId=i&JobGroupId=other',
    });
    expect(swapped.status).toBe(400);
    expect(json(swapped)).toMatchObject({ Code: 'SignatureDoesNotMatch' });
  });
});

describe('official Azure client: azure-communication-jobrouter 1.0.0 with an ACS access key', () => {
  const run = (key: string, calls: readonly Record<string, unknown>[]) =>
    runPythonFixture<ClientOutcome[]>('jobrouter_calls.py', [JSON.stringify(calls)], {
      CCFLOW_ENDPOINT: app.url,
      CCFLOW_ACS_KEY: key,
    });

  it('is accepted by acsHmac: GET, a percent-encoded id, a merge-patch upsert and a :cancel action', async () => {
    const [queue, encoded, upserted, cancelled, missing] = await run(ACS_KEYS['tenant-a'], [
      { op: 'get_queue', id: 'q-1' },
      { op: 'get_queue', id: 'q 1/ä' },
      { op: 'upsert_queue', id: 'q-2', name: 'Zürich', distributionPolicyId: 'dp-9', labels: { tier: 2 } },
      { op: 'cancel_job', id: 'job-1' },
      { op: 'get_queue', id: 'missing' },
    ]);
    expect(queue).toEqual({
      ok: true,
      result: {
        id: 'q-1',
        etag: '"1"',
        name: 'Queue q-1',
        distributionPolicyId: 'dp-1',
        labels: { Id: 'q-1', Tenant: 'tenant-a' },
      },
    });
    expect(encoded).toMatchObject({ ok: true, result: { id: 'q 1/ä', labels: { Id: 'q 1/ä' } } });
    expect(upserted).toMatchObject({
      ok: true,
      result: { id: 'q-2', name: 'Zürich', distributionPolicyId: 'dp-9', labels: { tier: 2, Tenant: 'tenant-a' } },
    });
    expect(cancelled).toEqual({ ok: true, result: null });
    expect(missing).toMatchObject({ ok: false, error: 'ResourceNotFoundError', status: 404, code: 'NotFound' });
  });

  it('authenticates the tenant whose key signed', async () => {
    const [queue] = await run(ACS_KEYS['tenant-b'], [{ op: 'get_queue', id: 'q-1' }]);
    expect(queue).toMatchObject({ ok: true, result: { labels: { Tenant: 'tenant-b' } } });
  });

  it('surfaces a wrong key as 401 ClientAuthenticationError', async () => {
    const outcomes = await run(UNKNOWN_ACS_KEY, [
      { op: 'get_queue', id: 'q-1' },
      { op: 'upsert_queue', id: 'q-2', name: 'x', distributionPolicyId: 'dp-1', labels: {} },
    ]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        ok: false,
        error: 'ClientAuthenticationError',
        status: 401,
        code: 'Unauthorized',
      });
    }
  });
});

describe.each([
  ['V3 (ACS3-HMAC-SHA256, the SDK default)', 'v3'],
  ['V1 (HMAC-SHA1, signature_algorithm="v2")', 'v2'],
] as const)('official Alibaba client: alibabacloud-outboundbot20191226 2.2.1, %s', (_title, signature) => {
  const run = (accessKeyId: string, secret: string, calls: readonly Record<string, unknown>[]) =>
    runPythonFixture<ClientOutcome[]>('outboundbot_calls.py', [JSON.stringify(calls)], {
      CCFLOW_ENDPOINT: `127.0.0.1:${app.port}`,
      CCFLOW_ACCESS_KEY_ID: accessKeyId,
      CCFLOW_ACCESS_KEY_SECRET: secret,
      CCFLOW_SIGNATURE: signature,
    });

  it('is accepted, and the responses parse into the SDK models', async () => {
    const jobsJson = [JSON.stringify({ contactName: 'Zoë & Co', phoneNumber: '1380000 0000', tag: 'a+b=c' })];
    const [listed, described, assigned, unknownAction] = await run(AK_A, ALIBABA_KEYS[AK_A].secret, [
      { op: 'list_jobs', instanceId: 'inst ä+1', jobIds: ['job-1', "job 2*(x)!'~"] },
      { op: 'describe_job', instanceId: 'inst-1', jobId: 'job-7' },
      { op: 'assign_jobs_async', instanceId: 'inst-1', jobGroupId: 'group 1', jobsJson, callingNumber: ['0571 1'] },
      { op: 'call_api', action: 'NoSuchAction' },
    ]);
    expect(listed).toMatchObject({
      ok: true,
      status: 200,
      body: {
        Success: true,
        Code: 'OK',
        HttpStatusCode: 200,
        Jobs: [
          {
            JobId: 'job-1',
            Status: 'Succeeded',
            Priority: 5,
            Extras: [
              { Key: 'TenantId', Value: 'tenant-a' },
              { Key: 'InstanceId', Value: 'inst ä+1' },
            ],
            Tasks: [{ PlanedTime: 1_700_000_000_000, Conversation: [{ Speaker: 'Robot' }] }],
          },
          { JobId: "job 2*(x)!'~" },
        ],
      },
    });
    expect(described).toMatchObject({ ok: true, status: 200, body: { Job: { JobId: 'job-7', InstanceId: 'inst-1' } } });
    expect(assigned).toMatchObject({ ok: true, status: 200, body: { AsyncTaskId: expect.any(String) } });
    expect(JSON.parse(String(assigned?.body?.AsyncTaskId))).toEqual({
      tenant: 'tenant-a',
      instanceId: 'inst-1',
      jobGroupId: 'group 1',
      jobsJson,
      callingNumber: ['0571 1'],
    });
    expect(unknownAction).toMatchObject({ ok: false, status: 404, code: 'InvalidAction.NotFound' });
  });

  it('authenticates the tenant whose AccessKey signed', async () => {
    const [listed] = await run(AK_B, ALIBABA_KEYS[AK_B].secret, [{ op: 'list_jobs', instanceId: 'i', jobIds: ['j'] }]);
    expect(listed).toMatchObject({
      ok: true,
      body: {
        Jobs: [
          {
            Extras: [
              { Key: 'TenantId', Value: 'tenant-b' },
              { Key: 'InstanceId', Value: 'i' },
            ],
          },
        ],
      },
    });
  });

  it('surfaces a wrong secret as 400 SignatureDoesNotMatch and an unknown AccessKeyId as InvalidAccessKeyId.NotFound', async () => {
    const call = [{ op: 'list_jobs', instanceId: 'i', jobIds: ['j'] }];
    const [wrongSecret] = await run(AK_A, ALIBABA_KEYS[AK_B].secret, call);
    expect(wrongSecret).toMatchObject({
      ok: false,
      error: 'ClientException',
      status: 400,
      code: 'SignatureDoesNotMatch',
    });
    const [unknownKey] = await run('LTAI5tNobodysKey', ALIBABA_KEYS[AK_A].secret, call);
    expect(unknownKey).toMatchObject({
      ok: false,
      error: 'ClientException',
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
    });
  });

  if (signature === 'v3') {
    it('reads a Format=XML error (the SDK parses XML only under text/xml;charset=utf-8)', async () => {
      const [outcome] = await run(AK_A, ALIBABA_KEYS[AK_A].secret, [
        { op: 'call_api', action: 'NoSuchAction', query: { Format: 'XML' } },
      ]);
      expect(outcome).toMatchObject({
        ok: false,
        error: 'ClientException',
        status: 404,
        code: 'InvalidAction.NotFound',
      });
    });
  }
});

describe('the official SDKs’ signers agree with ccflow’s verifiers on awkward inputs', () => {
  /** Deterministic, so a failure names a reproducible case. */
  function generator(seed: number) {
    let state = seed;
    const next = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const text = (pool: readonly string[], min: number, max: number): string =>
      Array.from({ length: min + Math.floor(next() * (max - min + 1)) }, () => pick(pool)).join('');
    return { pick, text };
  }
  const awkward = [...'aZ09-_.~ !*\'()/:=&+%?#"', 'ä', '派', '😀', '\u00a0', 'é'];
  const keyChars = [...'abcXYZ019.-_'];

  it('ACS HMAC (azure-communication-jobrouter HMACCredentialsPolicy)', async () => {
    const { pick, text } = generator(7);
    const date = 'Sun, 29 Nov 2026 15:43:00 GMT';
    const cases = Array.from({ length: 8 }, () => {
      const pathAndQuery = `/routing/${percentEncode(text(awkward, 1, 12))}:${pick(['cancel', 'close'])}?${API}&q=${percentEncode(text(awkward, 0, 8))}`;
      return {
        kind: 'acs',
        key: pick(Object.values(ACS_KEYS)),
        method: pick(['GET', 'PATCH', 'POST', 'DELETE']),
        url: `http://127.0.0.1:8080${pathAndQuery}`,
        pathAndQuery,
        body: text(awkward, 0, 40),
        date,
      };
    });
    const official = await runPythonFixture<{ authorization: string; contentHash: string }[]>('official_signers.py', [
      JSON.stringify(cases),
    ]);
    cases.forEach((c, index) => {
      const contentHash = acsContentHash(Buffer.from(c.body, 'utf8'));
      const stringToSign = acsStringToSign({ ...c, host: '127.0.0.1:8080', contentHash });
      expect({ case: c, contentHash, signature: acsSignature(c.key, stringToSign) }).toEqual({
        case: c,
        contentHash: official[index]?.contentHash,
        signature: official[index]?.authorization.split('&Signature=')[1],
      });
    });
  });

  it('RPC V1 (alibabacloud-tea-openapi Utils.get_rpcsignature)', async () => {
    const { pick, text } = generator(11);
    const cases = Array.from({ length: 12 }, () => {
      const params: Record<string, string> = {};
      for (let i = 0; i < 6; i += 1) params[text([...keyChars, 'ä'], 1, 8)] = text(awkward, 0, 16);
      return { kind: 'v1', method: pick(['GET', 'POST']), params, secret: text(awkward, 8, 24) };
    });
    const official = await runPythonFixture<{ signature: string }[]>('official_signers.py', [JSON.stringify(cases)]);
    cases.forEach((c, index) => {
      expect({ case: c, signature: rpcV1Signature(c.method, c.params, c.secret) }).toEqual({
        case: c,
        signature: official[index]?.signature,
      });
    });
  });

  it('ACS3-HMAC-SHA256 (alibabacloud-tea-openapi Utils.get_authorization)', async () => {
    const { pick, text } = generator(13);
    const cases = Array.from({ length: 12 }, () => {
      const query: Record<string, string> = {};
      for (let i = 0; i < 5; i += 1) query[text(keyChars, 1, 8)] = text(awkward, 0, 16);
      const headers: Record<string, string> = {
        host: '127.0.0.1:8080',
        'x-acs-action': pick(['ListJobs', 'DescribeJob']),
        'x-acs-version': OUTBOUND_VERSION,
        'x-acs-date': '2026-11-29T15:43:00Z',
        'x-acs-signature-nonce': text([...'0123456789abcdef'], 32, 32),
        'user-agent': ` ${text(
          awkward.filter((c) => c !== '😀'),
          4,
          20,
        )} `,
        'x-acs-content-sha256': createHash('sha256')
          .update(text(awkward, 0, 10))
          .digest('hex'),
      };
      return {
        kind: 'v3',
        method: 'POST',
        pathname: '/',
        query,
        headers,
        payloadHash: headers['x-acs-content-sha256'] ?? '',
        accessKeyId: AK_A,
        secret: text(awkward, 8, 24),
      };
    });
    const official = await runPythonFixture<{ authorization: string }[]>('official_signers.py', [
      JSON.stringify(cases),
    ]);
    cases.forEach((c, index) => {
      const signedHeaders = Object.keys(c.headers).sort();
      const signature = v3Signature(
        {
          method: c.method,
          path: c.pathname,
          query: c.query,
          headers: c.headers,
          signedHeaders,
          contentHash: c.payloadHash,
        },
        c.secret,
      );
      expect({
        case: c,
        authorization: `ACS3-HMAC-SHA256 Credential=${AK_A},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
      }).toEqual({
        case: c,
        authorization: official[index]?.authorization,
      });
    });
  });
});
