/**
 * Issue 10: the official client's policy models of every rule, attachment, trigger and action kind round-trip
 * unchanged through upsert and get, and each kind lands in its own model class (camelCase kinds on the wire).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { runPythonFixture } from '../support/python-clients';
import { useTestStack } from '../support/stack';

const roundTrip = z.object({
  sent: z.record(z.string(), z.unknown()),
  got: z.record(z.string(), z.unknown()),
  types: z.array(z.string()),
});
const output = z.object({
  error: z.string().optional(),
  distribution: roundTrip.optional(),
  classification: roundTrip.optional(),
  exception: roundTrip.optional(),
});

describe('the official client round-trips policy models of every kind', () => {
  const { stack, tenant } = useTestStack({ workers: false });
  let server: Server;
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns what was sent (plus server defaults), deserialized into the specific model classes', async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = stack.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const { port } = server.address() as AddressInfo;
    const created = await stack.http.post('/v1/tenants/me/access-keys').set(tenant.auth).send({ kind: 'acs' });
    const connection = z.object({ connectionString: z.string() }).parse(created.body).connectionString;
    const match = /^endpoint=([^;]+);accesskey=(.+)$/.exec(connection);
    if (!match?.[1] || !match[2]) throw new Error(`not a connection string: ${connection}`);
    const endpoint = match[1].replace(/^https?:\/\/[^/]+/, `http://127.0.0.1:${port}`);
    const result = output.parse(
      await runPythonFixture<unknown>('jobrouter_policies.py', [`pol-${Date.now().toString(36)}`], {
        CCFLOW_ENDPOINT: endpoint,
        CCFLOW_ACS_KEY: match[2],
      }),
    );
    expect(result.error).toBeUndefined();
    for (const name of ['distribution', 'classification', 'exception'] as const) {
      const trip = result[name];
      if (!trip) throw new Error(`${name} missing`);
      // Everything sent comes back as it was; the server adds only `id`, `etag` and defaults.
      expect(trip.got).toMatchObject(trip.sent);
    }
    expect(result.distribution?.types).toEqual(
      expect.arrayContaining(['BestWorkerMode', 'ExpressionRouterRule', 'ScoringRuleOptions']),
    );
    expect(result.classification?.types).toEqual(
      expect.arrayContaining([
        'StaticQueueSelectorAttachment',
        'ConditionalQueueSelectorAttachment',
        'PassThroughQueueSelectorAttachment',
        'RuleEngineQueueSelectorAttachment',
        'WeightedAllocationQueueSelectorAttachment',
        'StaticWorkerSelectorAttachment',
        'ConditionalWorkerSelectorAttachment',
        'PassThroughWorkerSelectorAttachment',
        'RuleEngineWorkerSelectorAttachment',
        'WeightedAllocationWorkerSelectorAttachment',
        'ExpressionRouterRule',
        'StaticRouterRule',
        'FunctionRouterRule',
        'WebhookRouterRule',
        'DirectMapRouterRule',
      ]),
    );
    expect(result.exception?.types).toEqual(
      expect.arrayContaining([
        'QueueLengthExceptionTrigger',
        'WaitTimeExceptionTrigger',
        'CancelExceptionAction',
        'ManualReclassifyExceptionAction',
        'ReclassifyExceptionAction',
      ]),
    );
  }, 120_000);
});
