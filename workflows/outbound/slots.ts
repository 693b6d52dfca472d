import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acquireSlotSignal,
  type OutboundSlotsInput,
  releaseSlotSignal,
  type SlotRequest,
  slotGrantedSignal,
} from '../../domain/outbound/messages';

/** An instance with nothing held or waiting ends after this long; the next request starts it again. */
const IDLE_MS = 10 * 60_000;
const MAX_HISTORY = 2_000;

/**
 * The semaphore of one outbound instance's MaxConcurrentConversation (`outbound-slots/{tenant}/{instanceId}`): each
 * attempt acquires a slot before its router job is dispatched and releases it when that job ends, so at most
 * `limit` attempts are in flight. Requests are served first come, first served; a request repeated by a retried
 * activity is answered again, never queued twice. The latest request's limit applies (ModifyInstance changes it
 * from the next attempt on).
 */
export async function outboundSlots(input: OutboundSlotsInput): Promise<void> {
  let holders: SlotRequest[] = input.holders ?? [];
  let waiting: SlotRequest[] = input.waiting ?? [];
  let limit = input.limit ?? 1;
  let regrants: SlotRequest[] = [];

  setHandler(acquireSlotSignal, (request) => {
    limit = request.limit;
    if (holders.some((holder) => holder.taskId === request.taskId)) regrants.push(request);
    else if (!waiting.some((queued) => queued.taskId === request.taskId)) waiting.push(request);
  });
  setHandler(releaseSlotSignal, ({ taskId }) => {
    holders = holders.filter((holder) => holder.taskId !== taskId);
    waiting = waiting.filter((queued) => queued.taskId !== taskId);
  });

  const grantable = (): boolean => (waiting.length > 0 && holders.length < limit) || regrants.length > 0;
  for (;;) {
    if (holders.length === 0 && waiting.length === 0) {
      if (!(await condition(grantable, IDLE_MS)) && holders.length === 0 && waiting.length === 0) break;
    } else await condition(grantable);
    const grants = regrants;
    regrants = [];
    while (waiting.length > 0 && holders.length < limit) {
      const next = waiting.shift();
      if (!next) break;
      holders.push(next);
      grants.push(next);
    }
    const results = await Promise.allSettled(
      grants.map((grant) =>
        getExternalWorkflowHandle(grant.workflowId).signal(slotGrantedSignal, { taskId: grant.taskId }),
      ),
    );
    // A job that has ended cannot use its slot: give it back.
    results.forEach((result, index) => {
      const grant = grants[index];
      if (result.status === 'rejected' && grant) holders = holders.filter((holder) => holder.taskId !== grant.taskId);
    });
    if (workflowInfo().historyLength > MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof outboundSlots>({ ...input, holders, waiting: [...regrants, ...waiting], limit });
    }
  }
  await condition(allHandlersFinished);
}
