import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { pingWorkflowId, taskQueue } from '../../domain/ids';
import { ServiceError } from '../../domain/errors';
import { CapabilityAttribute, TenantIdAttribute } from '../../domain/search-attributes';
import { pingRequestSchema, pingViewSchema, type PingView } from '../../domain/system/ping';
import type { systemPing } from '../../workflows/system/ping';
import type { ApiDeps } from '../context';
import { defineRoute } from '../http/route';

const pingParams = z.object({ id: z.uuid() });

export function pingRoutes({ db, temporal, config }: ApiDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/system/pings',
      summary: 'Start a ping workflow that records a message in the database (end-to-end smoke test)',
      tags: ['system'],
      auth: 'tenant',
      body: pingRequestSchema,
      responses: { 202: { description: 'Workflow started', schema: pingViewSchema } },
      async handler({ res, body, tenant }) {
        const pingId = randomUUID();
        const workflowId = pingWorkflowId(tenant.id, pingId);
        await temporal.workflow.start<typeof systemPing>('systemPing', {
          workflowId,
          taskQueue: taskQueue('system', config.CCFLOW_TASK_QUEUE_PREFIX),
          args: [{ ...body, tenantId: tenant.id, pingId }],
          memo: { message: body.message },
          typedSearchAttributes: [
            { key: TenantIdAttribute, value: tenant.id },
            { key: CapabilityAttribute, value: 'system' },
          ],
        });
        const view: PingView = { id: pingId, status: 'running', message: body.message, workflowId };
        res.status(202).location(`/v1/system/pings/${pingId}`).json(view);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/system/pings/:id',
      summary: 'Read a ping back: recorded by the worker, or still running',
      tags: ['system'],
      auth: 'tenant',
      params: pingParams,
      responses: { 200: { description: 'The ping', schema: pingViewSchema } },
      async handler({ res, params, tenant }) {
        const doc = await db.pings.findOne({ _id: params.id, tenantId: tenant.id }).lean();
        if (doc) {
          const view: PingView = {
            id: doc._id,
            status: 'recorded',
            message: doc.message,
            recordedAt: doc.recordedAt.toISOString(),
            workflowId: doc.workflowId,
          };
          res.json(view);
          return;
        }
        const workflowId = pingWorkflowId(tenant.id, params.id);
        try {
          const description = await temporal.workflow.getHandle(workflowId).describe();
          const message = typeof description.memo?.message === 'string' ? description.memo.message : '';
          const view: PingView = { id: params.id, status: 'running', message, workflowId };
          res.json(view);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) throw new ServiceError('notFound', `Ping ${params.id} not found`);
          throw error;
        }
      },
    }),
  ];
}
