import { ApplicationFailure, proxyActivities, uuid4 } from '@temporalio/workflow';
import type { OutboundActivities } from '../../activities/outbound';
import { ASSIGN_BATCH_SIZE, type AssignJobsAsyncInput } from '../../domain/outbound/messages';

const { createAssignedJobs, recordAssignResult } = proxyActivities<OutboundActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

/** Batches created at once. */
const BATCHES_IN_FLIGHT = 2;

/**
 * One AssignJobsAsync call (`outbound-assign/{tenant}/{asyncTaskId}`): creates its jobs in batches of
 * ASSIGN_BATCH_SIZE from the validated list the API stored, then records the result GetAssignJobsAsyncResult
 * reads. Job ids are drawn here, once (replays draw the same), so a retried batch creates the same jobs.
 */
export async function assignJobsAsync(input: AssignJobsAsyncInput): Promise<void> {
  const jobIds = Array.from({ length: input.total }, () => uuid4());
  const starts: number[] = [];
  const created: string[] = [];
  for (let from = 0; from < input.total; from += ASSIGN_BATCH_SIZE) starts.push(from);
  try {
    for (let next = 0; next < starts.length; next += BATCHES_IN_FLIGHT) {
      await Promise.all(
        starts.slice(next, next + BATCHES_IN_FLIGHT).map((from) => {
          const to = Math.min(from + ASSIGN_BATCH_SIZE, input.total);
          const batch = jobIds.slice(from, to);
          return createAssignedJobs({ ...input, from, to, jobIds: batch }).then(() => created.push(...batch));
        }),
      );
    }
  } catch (error) {
    const reason = error instanceof ApplicationFailure || error instanceof Error ? error.message : 'failed';
    await recordAssignResult({
      tenantId: input.tenantId,
      asyncTaskId: input.asyncTaskId,
      jobGroupId: input.jobGroupId,
      // The jobs that exist: a failed call still reports what it created.
      jobsId: jobIds.filter((jobId) => created.includes(jobId)),
      valid: false,
      error: reason,
    });
    throw error;
  }
  await recordAssignResult({
    tenantId: input.tenantId,
    asyncTaskId: input.asyncTaskId,
    jobGroupId: input.jobGroupId,
    jobsId: jobIds,
    valid: true,
  });
}
