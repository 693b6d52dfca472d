import { countConfigObjects, readConfigObject, writeConfigObjects } from '../../db/bulk/config-objects';
import { storedObjects } from '../support/config-objects';
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
    const now = new Date().toISOString();
    for (let start = 0; start < SEEDED; start += 1000) {
      const objects = Array.from({ length: 1000 }, (_, i) => {
        const key = `Seeded ${start + i}`;
        return { key, data: { name: key, workTypeCode: 'IDLE_CODE' }, version: 1, createdAt: now, updatedAt: now };
      });
      await writeConfigObjects(stack.db.config, SEED_TENANT, 'work-types', objects, `seed-${start}`);
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
    for (const tenant of tenants) {
      const objects = await storedObjects(stack.db, tenant.id, 'work-types');
      expect(objects).toHaveLength(ROWS);
      expect(objects.filter((object) => object.version === 1)).toHaveLength(ROWS);
    }
    expect(await countConfigObjects(stack.db.config, SEED_TENANT, 'work-types')).toBe(SEEDED);
    const sample = await readConfigObject(stack.db.config, tenants[TENANTS - 1]?.id ?? '', 'work-types', 'Code 1234');
    expect(sample?.data).toEqual({ name: 'Code 1234', description: 'description 1234', workTypeCode: 'WRAP_UP_CODE' });
  }, 300_000);
});
