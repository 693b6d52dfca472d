/**
 * `POST /v1/outbound/tasks/{taskId}/outcome` (native API): a dialer's details of one call attempt — duration, call
 * id, transcript, summary tags, who hung up. The task's status itself comes with its router job's
 * `dispositionCode` when the dialer closes it; this endpoint only adds what the Job Router API has no field for.
 * Accepted before or after the close, while the job runs and for a while after it ends.
 */
import { z } from 'zod';
import { ServiceError } from '../../domain/errors';
import { jobIdOfTask } from '../../domain/ids';
import { taskOutcomeSchema } from '../../domain/outbound/messages';
import { taskSchema } from '../../domain/outbound/records';
import type { ApiDeps } from '../context';
import { type AnyRoute, defineRoute } from '../http/route';
import { outboundWorkflows } from './workflow-calls';

export function taskOutcomeRoutes({ db, temporal, config }: ApiDeps): AnyRoute[] {
  const workflows = outboundWorkflows(temporal, config.CCFLOW_TASK_QUEUE_PREFIX);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/outbound/tasks/:taskId/outcome',
      summary: "Reports a call attempt's details (duration, call id, conversation, summary, hang-up direction)",
      tags: ['outbound'],
      auth: 'tenant',
      params: z.object({ taskId: z.string().min(1).max(300) }),
      body: taskOutcomeSchema,
      responses: { 200: { description: 'The task with the details merged', schema: taskSchema } },
      async handler({ res, params, body, tenant }) {
        const jobId = jobIdOfTask(params.taskId);
        const job = jobId === undefined ? undefined : await db.outboundJobs.get(tenant.id, jobId);
        if (!jobId || !job) throw new ServiceError('taskNotFound', `Task ${params.taskId} does not exist.`);
        res.json(await workflows.reportOutcome(tenant.id, jobId, params.taskId, body));
      },
    }),
  ];
}
