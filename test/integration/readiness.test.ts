import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { connectDatabase } from '../../db/connection';
import { FsBlobStore } from '../../storage/fs-blob-store';
import { useTestStack } from '../support/stack';

describe('/readyz', () => {
  const { stack } = useTestStack({ workers: false });

  it('answers 503 naming the database when the database is unreachable', async () => {
    const lostDb = await connectDatabase(stack.env.MONGODB_URI ?? '');
    await lostDb.close();
    const app = createApp({
      config: stack.config,
      db: lostDb,
      temporal: stack.client,
      blobs: new FsBlobStore(stack.config.CCFLOW_DATA_DIR),
      logger: pino({ level: 'silent' }),
    });
    const res = await supertest(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('notReady');
    expect(res.body.failures).toHaveLength(1);
    expect(res.body.failures[0]).toMatch(/^database: /);
  });
});
