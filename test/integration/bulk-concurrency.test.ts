import { configObjectId } from '../../db/bulk/config-objects';
import { csv, submitImport, waitForOperation } from '../support/bulk';
import { type TestTenant, useTestStack } from '../support/stack';

const TENANTS = 10;
const ROWS = 2000;
/** Objects of other tenants already stored, as in the report (about 20,000 across many tenants). */
const SEEDED = 20_000;
const SEED_TENANT = 'seed-tenant';

/** Issue 8: ten small imports at once used to end `failed` with "activity Heartbeat timeout" and write nothing. */
describe('concurrency: 10 tenants each import 2000 rows at the same time, 20,000 objects already stored', () => {
  const { stack } = useTestStack();

  it('completes every import with exact counts', async () => {
    const tenants: TestTenant[] = [];
    for (let i = 0; i < TENANTS; i += 1) tenants.push(await stack.newTenant(`Concurrent tenant ${i + 1}`));
    const rows = Array.from({ length: ROWS }, (_, i) => [
      `Code ${i + 1}`,
      `description ${i + 1}`,
      i % 2 === 0 ? 'IDLE_CODE' : 'WRAP_UP_CODE',
    ]);
    const content = csv(['Name', 'Description', 'Type'], rows);
    // Stored objects make every statement FerretDB does not push down (`_id ∈ list`) read that many more documents.
    const model = stack.db.configObjects('work-types');
    const now = new Date();
    for (let start = 0; start < SEEDED; start += 1000) {
      await model.insertMany(
        Array.from({ length: 1000 }, (_, i) => {
          const key = `Seeded ${start + i}`;
          return {
            _id: configObjectId(SEED_TENANT, key),
            tenantId: SEED_TENANT,
            key,
            data: { name: key, workTypeCode: 'IDLE_CODE' },
            version: 1,
            lastOperationId: 'seed',
            createdAt: now,
            updatedAt: now,
          };
        }),
        { ordered: false, lean: true },
      );
    }

    const started = Date.now();
    const submitted = await Promise.all(
      tenants.map((tenant) => submitImport(stack, tenant, 'work-types', content, 'work-types.csv')),
    );
    for (const res of submitted) expect(res.status).toBe(202);
    const ended = await Promise.all(
      tenants.map((tenant, i) => waitForOperation(stack, tenant, submitted[i]?.body.id as string, 280_000)),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(`${TENANTS} concurrent imports of ${ROWS} work-types rows: all ended in ${seconds.toFixed(1)} s`);

    for (const op of ended) {
      expect({ status: op.status, failureReason: op.failureReason, counts: op.counts }).toEqual({
        status: 'completed',
        failureReason: undefined,
        counts: { total: ROWS, succeeded: ROWS, failed: 0 },
      });
      expect(op.progress).toEqual({ processed: ROWS, total: ROWS, percent: 100 });
    }
    // One read of the collection (this stack's own database) instead of two counts per tenant: on FerretDB every
    // count reads the whole collection.
    const stored = await model.find({}, { tenantId: 1, version: 1 }).lean<{ tenantId: string; version: number }[]>();
    const perTenant = new Map<string, { objects: number; firstVersions: number }>();
    for (const doc of stored) {
      const tally = perTenant.get(doc.tenantId) ?? { objects: 0, firstVersions: 0 };
      tally.objects += 1;
      if (doc.version === 1) tally.firstVersions += 1;
      perTenant.set(doc.tenantId, tally);
    }
    for (const tenant of tenants) expect(perTenant.get(tenant.id)).toEqual({ objects: ROWS, firstVersions: ROWS });
    expect(stored).toHaveLength(SEEDED + TENANTS * ROWS);
    const sample = await model.findOne({ tenantId: tenants[TENANTS - 1]?.id, key: 'Code 1234' }).lean();
    expect(sample?.data).toEqual({ name: 'Code 1234', description: 'description 1234', workTypeCode: 'WRAP_UP_CODE' });
  }, 300_000);
});
