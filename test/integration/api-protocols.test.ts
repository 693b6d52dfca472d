/**
 * The real app's three route groups: each request is owned by exactly one wire protocol and every error leaves in
 * that protocol's envelope, with the code and status of the one error table.
 */
import { useTestStack } from '../support/stack';

const API_VERSION = 'api-version=2023-11-01';

describe('one server, three wire protocols', () => {
  const { stack, tenant } = useTestStack({ workers: false });

  describe('Azure Job Router group (/routing)', () => {
    it('requires api-version, naming it, in the Azure error shape', async () => {
      const missing = await stack.http.get('/routing/queues/q1').set(tenant.auth);
      expect(missing.status).toBe(400);
      expect(missing.headers['x-ms-error-code']).toBe('MissingApiVersionParameter');
      expect(missing.body.error).toMatchObject({ code: 'MissingApiVersionParameter' });
      expect(missing.body.error.message).toContain('api-version=2023-11-01');

      const wrong = await stack.http.get('/routing/queues/q1?api-version=2021-04-07-preview1').set(tenant.auth);
      expect(wrong.status).toBe(400);
      expect(wrong.headers['x-ms-error-code']).toBe('UnsupportedApiVersion');
      expect(wrong.body.error.message).toContain('2021-04-07-preview1');
    });

    it('answers an unknown path with an Azure 404, not problem+json', async () => {
      const res = await stack.http.get(`/routing/nothing-here?${API_VERSION}`).set(tenant.auth);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-ms-error-code']).toBe('NotFound');
      expect(res.body).toEqual({ error: { code: 'NotFound', message: 'No route for GET /routing/nothing-here' } });
    });
  });

  describe('Alibaba RPC group (/ with Action)', () => {
    it('answers an unknown action with InvalidAction.NotFound in JSON, with the request id', async () => {
      const res = await stack.http
        .post('/?Action=QueryJobsWithResult&Version=2019-12-26')
        .set(tenant.auth)
        .set('x-request-id', 'req-rpc-1');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        RequestId: 'req-rpc-1',
        HostId: expect.any(String),
        Code: 'InvalidAction.NotFound',
        Message: expect.stringContaining('QueryJobsWithResult'),
      });
    });

    it('takes the action from x-acs-action and writes XML errors with the content type the SDK parses', async () => {
      const res = await stack.http
        .post('/?Format=XML')
        .set('x-acs-action', 'SearchTask')
        .set('x-acs-version', '2019-12-26')
        .set(tenant.auth);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/xml;charset=utf-8');
      expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>[^<]+<\/RequestId>/);
      expect(res.text).toContain('<Code>InvalidAction.NotFound</Code>');
    });

    it('checks the version, and refuses a missing credential with a 401 in its own envelope', async () => {
      const wrongVersion = await stack.http.post('/?Action=ListJobs&Version=2017-01-01').set(tenant.auth);
      expect(wrongVersion.status).toBe(400);
      expect(wrongVersion.body.Code).toBe('InvalidVersion');

      const anonymous = await stack.http.post('/?Action=QueryJobsWithResult&Version=2019-12-26');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ Code: 'Unauthorized', Message: expect.stringContaining('Bearer') });
    });
  });

  describe('native group (everything else)', () => {
    it('keeps problem+json for its own paths, and for / without an action', async () => {
      const root = await stack.http.post('/').set(tenant.auth);
      expect(root.status).toBe(404);
      expect(root.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(root.body).toMatchObject({ code: 'notFound', status: 404, title: 'Not Found' });
    });

    it.each(['/v1/config/access-groups/%ZZ', '/v1/audio-files/%E0%A4%A', '/v1/bulk/operations/%ZZ'])(
      'answers 400, not 500, to malformed percent-encoding in %s',
      async (path) => {
        const res = await stack.http.get(path).set(tenant.auth);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'badRequest', detail: expect.stringContaining('percent-encoding') });
      },
    );

    it('serves custom verbs declared on a route (:cancel) and documents them in OpenAPI', async () => {
      const unknown = await stack.http
        .post('/v1/bulk/operations/7f0c4a6e-6a43-4b6e-9d1f-2b1f3f4a5b6c:cancel')
        .set(tenant.auth);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('notFound');
      const openapi = await stack.http.get('/openapi.json');
      expect(Object.keys(openapi.body.paths)).toEqual(
        expect.arrayContaining(['/v1/bulk/operations/{id}:retry', '/v1/bulk/operations/{id}:cancel']),
      );
    });
  });
});
