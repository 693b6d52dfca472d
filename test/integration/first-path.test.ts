import { eventually, TEST_ADMIN_KEY, useTestStack } from '../support/stack';

describe('first path: API → Temporal → worker → MongoDB → API', () => {
  const { stack } = useTestStack();

  it('records a ping through a real workflow and reads it back', async () => {
    const started = await stack.http.post('/v1/system/pings').set(stack.tenant.auth).send({ message: 'hello' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', message: 'hello' });
    expect(started.body.workflowId).toBe(`ping/${stack.tenant.id}/${started.body.id}`);
    expect(started.headers.location).toBe(`/v1/system/pings/${started.body.id}`);

    const recorded = await eventually(async () => {
      const res = await stack.http.get(`/v1/system/pings/${started.body.id}`).set(stack.tenant.auth);
      return res.body.status === 'recorded' ? res.body : undefined;
    });
    expect(recorded.message).toBe('hello');
    expect(Date.parse(recorded.recordedAt)).not.toBeNaN();
    const stored = await stack.db.pings.findById(started.body.id).lean();
    expect(stored?.tenantId).toBe(stack.tenant.id);
  });

  it('hides one tenant’s data from another (404, not 403)', async () => {
    const started = await stack.http.post('/v1/system/pings').set(stack.tenant.auth).send({ message: 'mine' });
    const other = await stack.newTenant('Other');
    const res = await stack.http.get(`/v1/system/pings/${started.body.id}`).set(other.auth);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('notFound');
  });

  it('rejects a bad body with a problem document naming the field, and writes nothing', async () => {
    const fresh = await stack.newTenant('Fresh');
    const res = await stack.http.post('/v1/system/pings').set(fresh.auth).send({ message: '', delaySeconds: -1 });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('validationFailed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['delaySeconds', 'message']);
    expect(await stack.db.pings.countDocuments({ tenantId: fresh.id })).toBe(0);
  });
});

describe('authentication and tenants', () => {
  const { stack } = useTestStack({ workers: false });

  it.each([
    ['no header', undefined, /Missing Authorization/],
    ['not bearer', 'Basic abc', /must be "Bearer/],
    ['unknown key', 'Bearer ccf_nope', /not valid/],
  ])('answers 401 for %s', async (_case, header, detail) => {
    const req = stack.http.get('/v1/tenants/me');
    const res = header ? await req.set('Authorization', header) : await req;
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(res.body.detail).toMatch(detail);
  });

  it('resolves the caller’s tenant from its key', async () => {
    const res = await stack.http.get('/v1/tenants/me').set(stack.tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: stack.tenant.id, name: 'Test tenant' });
  });

  it('lets the admin create a tenant whose new key works, storing only its hash', async () => {
    const res = await stack.http
      .post('/v1/admin/tenants')
      .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ name: 'Acme' });
    expect(res.status).toBe(201);
    expect(res.body.apiKey).toMatch(/^ccf_/);
    const me = await stack.http.get('/v1/tenants/me').set('Authorization', `Bearer ${res.body.apiKey}`);
    expect(me.body).toEqual({ id: res.body.id, name: 'Acme' });
    const stored = await stack.db.apiKeys.find({ tenantId: res.body.id }).lean();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(res.body.apiKey);
  });

  it('refuses tenant creation with a tenant key or a wrong admin key', async () => {
    const withTenantKey = await stack.http.post('/v1/admin/tenants').set(stack.tenant.auth).send({ name: 'x' });
    expect(withTenantKey.status).toBe(401);
    const before = await stack.db.tenants.countDocuments();
    const missingName = await stack.http
      .post('/v1/admin/tenants')
      .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({});
    expect(missingName.status).toBe(400);
    expect(await stack.db.tenants.countDocuments()).toBe(before);
  });

  it('serves health, readiness, request ids, OpenAPI and problem+json 404s', async () => {
    expect((await stack.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await stack.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ temporal: 'ok', database: 'ok' });
    const echoed = await stack.http.get('/healthz').set('X-Request-Id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const doc = await stack.http.get('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/readyz', '/v1/admin/tenants', '/v1/tenants/me', '/v1/system/pings/{id}']),
    );
    expect(
      doc.body.paths['/v1/system/pings'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('message');
    const missing = await stack.http.get('/v1/nowhere').set(stack.tenant.auth);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('notFound');
  });
});
