/**
 * Issue 9, the administration resources under `/routing` (spec §2.1): distribution, classification and exception
 * policies and queues — merge-patch upserts, conditional requests, references, deletion rules, paging and tenant
 * isolation — on the real servers with a Bearer API key.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { runPythonFixture } from '../support/python-clients';
import { type TestTenant, useTestStack } from '../support/stack';

const API = 'api-version=2023-11-01';
const MERGE_PATCH = 'application/merge-patch+json';

const azureError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })).optional(),
  }),
});
const listPage = z.object({ value: z.array(z.object({ id: z.string() }).loose()), nextLink: z.string().optional() });

const policyBody = { name: 'Longest idle', offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } };

describe('routing administration resources', () => {
  const { stack, tenant } = useTestStack({ workers: false });

  const patch = (path: string, body: unknown, owner: TestTenant = tenant, headers: Record<string, string> = {}) =>
    stack.http
      .patch(`/routing${path}?${API}`)
      .set(owner.auth)
      .set(headers)
      .set('content-type', MERGE_PATCH)
      .send(JSON.stringify(body));
  const get = (path: string, owner: TestTenant = tenant) => stack.http.get(`/routing${path}?${API}`).set(owner.auth);
  const del = (path: string, owner: TestTenant = tenant) => stack.http.delete(`/routing${path}?${API}`).set(owner.auth);

  let seq = 0;
  const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  it('creates with 201 and updates with 200, merging labels per key, replacing arrays, null removing', async () => {
    const policyId = uniqueId('dp');
    const created = await patch(`/distributionPolicies/${policyId}`, policyBody);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: policyId, name: 'Longest idle', offerExpiresAfterSeconds: 60 });
    expect(created.headers.etag).toBe((created.body as { etag: string }).etag);
    expect(created.headers['last-modified']).toMatch(/GMT$/);

    const queueId = uniqueId('q');
    const first = await patch(`/queues/${queueId}`, {
      name: 'Sales',
      distributionPolicyId: policyId,
      labels: { a: 1, b: 'two' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ labels: { a: 1, b: 'two', Id: queueId } });

    const second = await patch(`/queues/${queueId}`, { name: null, labels: { a: null, c: true } });
    expect(second.status).toBe(200);
    expect((second.body as { labels: unknown }).labels).toEqual({ b: 'two', c: true, Id: queueId });
    expect(second.body).not.toHaveProperty('name');

    const classificationId = uniqueId('cp');
    const cp = await patch(`/classificationPolicies/${classificationId}`, {
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'a', labelOperator: 'equal', value: 1 } }],
    });
    expect(cp.status).toBe(201);
    const replaced = await patch(`/classificationPolicies/${classificationId}`, {
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'z', labelOperator: 'equal', value: 2 } }],
    });
    expect(replaced.status).toBe(200);
    const attachments = (replaced.body as { queueSelectorAttachments: unknown[] }).queueSelectorAttachments;
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({ queueSelector: { key: 'z' } });

    const read = await get(`/queues/${queueId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(second.body);
    expect(read.headers.etag).toBe(second.headers.etag);
  });

  it('keeps the ETag and Last-Modified on a PATCH that changes nothing', async () => {
    const id = uniqueId('dp');
    const created = await patch(`/distributionPolicies/${id}`, policyBody);
    const again = await patch(`/distributionPolicies/${id}`, policyBody);
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe(created.headers.etag);
    expect(again.headers['last-modified']).toBe(created.headers['last-modified']);
    const changed = await patch(`/distributionPolicies/${id}`, { name: 'Renamed' });
    expect(changed.headers.etag).not.toBe(created.headers.etag);
  });

  it('answers 412 when If-Match or If-Unmodified-Since fails, and applies the PATCH when they hold', async () => {
    const id = uniqueId('ep');
    const created = await patch(`/exceptionPolicies/${id}`, { name: 'Exceptions' });
    expect(created.status).toBe(201);
    const etag = String(created.headers.etag);

    const mismatch = await patch(`/exceptionPolicies/${id}`, { name: 'x' }, tenant, { 'If-Match': '"nope"' });
    expect(mismatch.status).toBe(412);
    expect(mismatch.headers['x-ms-error-code']).toBe('PreconditionFailed');
    const stale = await patch(`/exceptionPolicies/${id}`, { name: 'x' }, tenant, {
      'If-Unmodified-Since': new Date(Date.now() - 3_600_000).toUTCString(),
    });
    expect(stale.status).toBe(412);
    const absent = await patch(`/exceptionPolicies/${uniqueId('ep')}`, { name: 'x' }, tenant, { 'If-Match': '*' });
    expect(absent.status).toBe(412);

    const match = await patch(`/exceptionPolicies/${id}`, { name: 'Matched' }, tenant, { 'If-Match': etag });
    expect(match.status).toBe(200);
    expect(match.body).toMatchObject({ name: 'Matched' });
  });

  it('answers a missing resource with an Azure-shaped 404', async () => {
    const res = await get(`/queues/${uniqueId('missing')}`);
    expect(res.status).toBe(404);
    expect(res.headers['x-ms-error-code']).toBe('NotFound');
    expect(azureError.parse(res.body).error.code).toBe('NotFound');
  });

  it('rejects an invalid resource with a 400 naming the field', async () => {
    const res = await patch(`/distributionPolicies/${uniqueId('dp')}`, { ...policyBody, offerExpiresAfterSeconds: -5 });
    expect(res.status).toBe(400);
    expect(res.headers['x-ms-error-code']).toBe('BadRequest');
    const body = azureError.parse(res.body);
    expect(body.error.details?.map((d) => d.target)).toContain('offerExpiresAfterSeconds');
  });

  it('rejects a queue whose distribution or exception policy does not exist, naming the field', async () => {
    const noPolicy = await patch(`/queues/${uniqueId('q')}`, { distributionPolicyId: uniqueId('absent') });
    expect(noPolicy.status).toBe(400);
    expect(azureError.parse(noPolicy.body).error.details?.map((d) => d.target)).toEqual(['distributionPolicyId']);

    const policyId = uniqueId('dp');
    await patch(`/distributionPolicies/${policyId}`, policyBody);
    const noException = await patch(`/queues/${uniqueId('q')}`, {
      distributionPolicyId: policyId,
      exceptionPolicyId: uniqueId('absent'),
    });
    expect(noException.status).toBe(400);
    expect(azureError.parse(noException.body).error.details?.map((d) => d.target)).toEqual(['exceptionPolicyId']);
  });

  it('refuses to delete a distribution policy a queue uses, and deletes it once unused', async () => {
    const policyId = uniqueId('dp');
    await patch(`/distributionPolicies/${policyId}`, policyBody);
    const queueId = uniqueId('q');
    expect((await patch(`/queues/${queueId}`, { distributionPolicyId: policyId })).status).toBe(201);

    const blocked = await del(`/distributionPolicies/${policyId}`);
    expect(blocked.status).toBe(400);
    expect(azureError.parse(blocked.body).error.message).toContain('QueueExistsWithDistributionPolicy');
    expect((await get(`/distributionPolicies/${policyId}`)).status).toBe(200);

    expect((await del(`/queues/${queueId}`)).status).toBe(204);
    expect((await del(`/distributionPolicies/${policyId}`)).status).toBe(204);
    expect((await get(`/distributionPolicies/${policyId}`)).status).toBe(404);
    // Deleting what does not exist is a 204 too.
    expect((await del(`/distributionPolicies/${policyId}`)).status).toBe(204);
  });

  it('refuses to delete a queue that a classification policy falls back to (409)', async () => {
    const policyId = uniqueId('dp');
    await patch(`/distributionPolicies/${policyId}`, policyBody);
    const queueId = uniqueId('q');
    await patch(`/queues/${queueId}`, { distributionPolicyId: policyId });
    const classificationId = uniqueId('cp');
    expect((await patch(`/classificationPolicies/${classificationId}`, { fallbackQueueId: queueId })).status).toBe(201);
    const blocked = await del(`/queues/${queueId}`);
    expect(blocked.status).toBe(409);
    expect(blocked.headers['x-ms-error-code']).toBe('Conflict');
    expect((await del(`/classificationPolicies/${classificationId}`)).status).toBe(204);
    expect((await del(`/queues/${queueId}`)).status).toBe(204);
  });

  it('lists with maxpagesize and nextLink, returning each resource once', async () => {
    const owner = await stack.newTenant('Lister');
    const ids = Array.from({ length: 5 }, (_v, i) => `ex-${i}`);
    for (const id of ids) expect((await patch(`/exceptionPolicies/${id}`, { name: id }, owner)).status).toBe(201);

    const seen: string[] = [];
    let link: string | undefined = `/routing/exceptionPolicies?${API}&maxpagesize=2`;
    let pages = 0;
    while (link !== undefined) {
      const res = await stack.http.get(link).set(owner.auth);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBeUndefined();
      const page = listPage.parse(res.body);
      expect(page.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.value.map((item) => item.id));
      link = page.nextLink;
      if (link !== undefined) expect(link).toMatch(/^\/routing\/exceptionPolicies\?api-version=2023-11-01&/);
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  it('continues a list after the last returned resource was deleted, skipping nothing', async () => {
    const owner = await stack.newTenant('Deleter');
    const ids = Array.from({ length: 5 }, (_v, i) => `dp-${i}`);
    for (const id of ids) expect((await patch(`/distributionPolicies/${id}`, policyBody, owner)).status).toBe(201);
    const first = listPage.parse((await get('/distributionPolicies', owner).query({ maxpagesize: 2 })).body);
    expect(first.value.map((item) => item.id)).toEqual(['dp-0', 'dp-1']);
    expect((await del('/distributionPolicies/dp-1', owner)).status).toBe(204);
    const rest: string[] = [];
    let link = first.nextLink;
    while (link !== undefined) {
      const page = listPage.parse((await stack.http.get(link).set(owner.auth)).body);
      rest.push(...page.value.map((item) => item.id));
      link = page.nextLink;
    }
    expect(rest).toEqual(['dp-2', 'dp-3', 'dp-4']);
  });

  it("isolates tenants: another tenant's resource is a 404 and absent from its lists", async () => {
    const id = uniqueId('dp');
    await patch(`/distributionPolicies/${id}`, policyBody);
    const other = await stack.newTenant('Other');
    expect((await get(`/distributionPolicies/${id}`, other)).status).toBe(404);
    const list = await get('/distributionPolicies', other);
    expect(listPage.parse(list.body).value).toEqual([]);
    // The same id is free for the other tenant.
    expect((await patch(`/distributionPolicies/${id}`, policyBody, other)).status).toBe(201);
  });

  it('requires api-version', async () => {
    const res = await stack.http.get('/routing/queues').set(tenant.auth);
    expect(res.status).toBe(400);
    expect(res.headers['x-ms-error-code']).toBe('MissingApiVersionParameter');
  });

  it('loses no update when PATCHes of one resource race', async () => {
    const id = uniqueId('q-race');
    const policyId = uniqueId('dp');
    await patch(`/distributionPolicies/${policyId}`, policyBody);
    await patch(`/queues/${id}`, { distributionPolicyId: policyId });
    const keys = Array.from({ length: 8 }, (_v, i) => `k${i}`);
    const results = await Promise.all(keys.map((key) => patch(`/queues/${id}`, { labels: { [key]: key } })));
    expect(results.map((r) => r.status)).toEqual(keys.map(() => 200));
    const read = await get(`/queues/${id}`);
    expect(read.body).toMatchObject({ labels: Object.fromEntries(keys.map((key) => [key, key])) });
  });

  describe('the official client, azure-communication-jobrouter 1.0.0, unmodified', () => {
    let server: Server;
    let origin = '';
    beforeAll(async () => {
      server = await new Promise<Server>((resolve) => {
        const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const clientOutcome = z.object({
      ok: z.boolean(),
      result: z.unknown().optional(),
      status: z.number().optional(),
      code: z.string().nullable().optional(),
    });

    it('upserts, gets, lists page by page and deletes distribution policies', async () => {
      const owner = await stack.newTenant('Python');
      const res = await stack.http.post('/v1/tenants/me/access-keys').set(owner.auth).send({ kind: 'acs' });
      expect(res.status).toBe(201);
      const match = /^endpoint=([^;]+);accesskey=(.+)$/.exec(
        String((res.body as { connectionString: string }).connectionString),
      );
      if (!match?.[1] || !match[2]) throw new Error('no connection string');
      const endpoint = match[1].replace('http://127.0.0.1:8080', origin);
      const calls = [
        { op: 'upsert_distribution_policy', id: 'py-1', name: 'One', offerExpiresAfterSeconds: 30 },
        { op: 'upsert_distribution_policy', id: 'py-2', name: 'Two', offerExpiresAfterSeconds: 30 },
        { op: 'upsert_distribution_policy', id: 'py-3', name: 'Three', offerExpiresAfterSeconds: 30 },
        { op: 'get_distribution_policy', id: 'py-2' },
        { op: 'list_distribution_policies', pageSize: 2 },
        { op: 'delete_distribution_policy', id: 'py-2' },
        { op: 'get_distribution_policy', id: 'py-2' },
      ];
      const outcomes = z.array(clientOutcome).parse(
        await runPythonFixture<unknown>('jobrouter_calls.py', [JSON.stringify(calls)], {
          CCFLOW_ENDPOINT: endpoint,
          CCFLOW_ACS_KEY: match[2],
        }),
      );
      expect(outcomes.slice(0, 3).map((o) => o.ok)).toEqual([true, true, true]);
      expect(outcomes[3]).toMatchObject({
        ok: true,
        result: { id: 'py-2', name: 'Two', offerExpiresAfterSeconds: 30, mode: { kind: 'longestIdle' } },
      });
      const pages = z.array(z.array(z.object({ id: z.string() }).loose())).parse(outcomes[4]?.result);
      expect(pages.map((page) => page.map((policy) => policy.id))).toEqual([['py-1', 'py-2'], ['py-3']]);
      expect(outcomes[5]).toMatchObject({ ok: true });
      expect(outcomes[6]).toMatchObject({ ok: false, status: 404, code: 'NotFound' });
    });
  });
});
