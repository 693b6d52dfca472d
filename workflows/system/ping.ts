import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { SystemActivities } from '../../activities/system';
import type { PingWorkflowInput } from '../../domain/system/ping';

const { recordPing } = proxyActivities<SystemActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/** Waits (a durable timer, so a worker restart in between loses nothing), then records the ping in MongoDB. */
export async function systemPing(input: PingWorkflowInput): Promise<{ recordedAt: string }> {
  if (input.delaySeconds > 0) await sleep(input.delaySeconds * 1000);
  const recordedAt = await recordPing({
    tenantId: input.tenantId,
    pingId: input.pingId,
    message: input.message,
    workflowId: workflowInfo().workflowId,
  });
  return { recordedAt };
}
