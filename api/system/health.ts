import { z } from 'zod';
import { pingDatabase } from '../../db/connection';
import { ServiceError } from '../../domain/errors';
import type { ApiDeps } from '../context';
import { defineRoute } from '../http/route';

const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({ temporal: z.literal('ok'), database: z.literal('ok') }),
});

async function check(name: string, probe: () => Promise<unknown>, timeoutMs = 3000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    return `${name}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ db, temporal }: ApiDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the API process is up',
      tags: ['health'],
      auth: 'none',
      responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
      async handler({ res }) {
        res.json({ status: 'ok' });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Temporal and the database answer',
      tags: ['health'],
      auth: 'none',
      responses: { 200: { description: 'Ready', schema: readinessSchema } },
      async handler({ res }) {
        const failures = (
          await Promise.all([
            check('temporal', () => temporal.workflowService.getSystemInfo({})),
            check('database', () => pingDatabase(db)),
          ])
        ).filter((failure): failure is string => failure !== undefined);
        if (failures.length > 0) {
          throw new ServiceError('notReady', `Not ready: ${failures.join('; ')}`, { failures });
        }
        res.json({ status: 'ready', checks: { temporal: 'ok', database: 'ok' } });
      },
    }),
  ];
}
