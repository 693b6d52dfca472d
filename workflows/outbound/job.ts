import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OutboundActivities } from '../../activities/outbound';
import { outboundTaskId } from '../../domain/ids';
import {
  type AttemptContext,
  attemptHistory,
  chooseCallingNumber,
  isConnectedTaskStatus,
  mergeSummary,
  planNextAttempt,
  taskStatusOfRouterEnd,
  type Withdrawal,
  withOutcome,
} from '../../domain/outbound/attempts';
import {
  controlJobSignal,
  type OutboundJobInput,
  slotGrantedSignal,
  taskOutcomeUpdate,
} from '../../domain/outbound/messages';
import { isTerminalJobStatus, type JobStatus, type JobView, type Task } from '../../domain/outbound/records';
import { routerPriorityOf } from '../../domain/outbound/resources';
import { type RouterJobStatusChange, routerJobStatusSignal } from '../../domain/routing/messages';
import { StatusAttribute } from '../../domain/search-attributes';

const { loadAttemptContext, publishOutboundJob } = proxyLocalActivities<OutboundActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
// Each is one or two quick calls: a short timeout lets a crashed worker's attempt be retried soon.
const { requestSlot, releaseSlot, dispatchAttempt, withdrawAttempt } = proxyActivities<OutboundActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** How long a finished job still takes task outcomes (a dialer may report after closing the router job). */
const DEFAULT_OUTCOME_GRACE_MS = 10 * 60_000;
const MAX_HISTORY = 5_000;

/**
 * One outbound job (workflow id `outbound-job/{tenant}/{jobId}`, docs/outbound.md): it sleeps on a durable timer
 * until the strategy allows the next attempt, takes one of the instance's conversation slots, dispatches the attempt
 * as a router job on the instance's queue and waits for that job to end; then it decides to retry or finish. It
 * writes the job's read model (its wire form) at every change. Controls arrive as signals: cancel and suspend stop a
 * pending timer or withdraw an attempt nobody took; a call in progress finishes first.
 */
export async function outboundJob(input: OutboundJobInput): Promise<void> {
  const { tenantId, jobId } = input;
  const { InstanceId: instanceId, JobGroupId: jobGroupId } = input.view;
  const workflowId = workflowInfo().workflowId;
  let view: JobView = input.view;
  let version = input.carried?.version ?? 1;
  let publishedVersion = version;
  let attempts = input.carried?.attempts ?? view.Tasks.length;
  let paused = input.carried?.paused ?? false;
  let cancelled = input.carried?.cancelled ?? false;
  let granted: string | undefined;
  const routerNews = new Map<string, RouterJobStatusChange>();
  let lastStatus = '';
  let fresh = input.carried ? undefined : input.context;

  const change = (next: JobView): void => {
    view = next;
    version += 1;
  };
  const updateTask = (taskId: string, update: (task: Task) => Task): void =>
    change({ ...view, Tasks: view.Tasks.map((task) => (task.TaskId === taskId ? update(task) : task)) });
  const setStatus = (status: JobStatus, extra: Partial<JobView> = {}): void => {
    if (view.Status === status && Object.entries(extra).every(([key, value]) => view[key as keyof JobView] === value))
      return;
    change({ ...view, Status: status, ...extra });
  };
  const publish = async (): Promise<void> => {
    if (version <= publishedVersion) return;
    const wanted = version;
    await publishOutboundJob({ tenantId, view, version: wanted, createdAt: input.createdAt, position: input.position });
    publishedVersion = Math.max(publishedVersion, wanted);
    if (view.Status !== lastStatus) {
      lastStatus = view.Status;
      upsertSearchAttributes([{ key: StatusAttribute, value: view.Status }]);
    }
  };
  const finish = (status: JobStatus, failureReason = ''): void =>
    setStatus(status, { FailureReason: failureReason, NextExecutionTime: 0 });

  setHandler(controlJobSignal, ({ control }) => {
    if (control === 'cancel') cancelled = true;
    else paused = control === 'suspend';
  });
  setHandler(slotGrantedSignal, ({ taskId }) => {
    granted = taskId;
  });
  let newsSeq = 0;
  setHandler(routerJobStatusSignal, (news) => {
    routerNews.set(news.jobId, news);
    newsSeq += 1;
  });
  setHandler(
    taskOutcomeUpdate,
    async ({ taskId, outcome }) => {
      updateTask(taskId, (task) => withOutcome(task, outcome, Date.now()));
      if (outcome.summary) change({ ...view, Summary: mergeSummary(view.Summary, outcome.summary) });
      await publish();
      const task = view.Tasks.find((candidate) => candidate.TaskId === taskId);
      if (!task) throw ApplicationFailure.nonRetryable(`Task ${taskId} does not exist.`, 'taskNotFound');
      return task;
    },
    {
      validator: ({ taskId }) => {
        if (!view.Tasks.some((task) => task.TaskId === taskId)) {
          throw ApplicationFailure.nonRetryable(`Job ${jobId} has no task ${taskId}.`, 'taskNotFound');
        }
      },
    },
  );

  /** One attempt, from taking a slot to its router job's end. */
  const attempt = async (context: AttemptContext, at: number, closes: number, routingStrategy?: string) => {
    // Task ids never repeat (an attempt given up while waiting for its slot leaves a gap).
    attempts += 1;
    const taskId = outboundTaskId(jobId, attempts);
    const dialled = attemptHistory(view.Tasks).length;
    const numbers =
      dialled > 0 && context.recallCallingNumbers.length > 0
        ? context.recallCallingNumbers
        : (input.callingNumbers ?? context.callingNumbers);
    const callingNumber = chooseCallingNumber(numbers, view.CalledNumber, routingStrategy, view.Tasks.length + 1);
    const contact = view.Contacts[0];
    if (!contact) return finish('Failed', 'Unknown');
    const task: Task = {
      TaskId: taskId,
      JobId: jobId,
      Status: 'Executing',
      PlanedTime: at,
      ActualTime: 0,
      CallId: '',
      CalledNumber: view.CalledNumber,
      CallingNumber: callingNumber ?? '',
      ChatbotId: '',
      Duration: 0,
      ScenarioId: '',
      Brief: '',
      Contact: contact,
      Conversation: [],
    };
    if (callingNumber === undefined) {
      change({ ...view, Tasks: [...view.Tasks, { ...task, Status: 'CallingNumberNotExist', EndTime: Date.now() }] });
      return finish('Failed', 'CallFailed');
    }

    // The instance's MaxConcurrentConversation: wait for a slot (or for a control that makes the attempt moot).
    await requestSlot({
      tenantId,
      instanceId,
      request: { workflowId, taskId, limit: context.maxConcurrentConversation },
    });
    await condition(() => granted === taskId || cancelled || paused);
    if (granted !== taskId) {
      await releaseSlot({ tenantId, instanceId, taskId });
      return;
    }

    change({ ...view, Status: 'Executing', NextExecutionTime: 0, Tasks: [...view.Tasks, task] });
    await publish();
    const labels: Record<string, string> = Object.fromEntries(view.Extras.map((extra) => [extra.Key, extra.Value]));
    try {
      await dispatchAttempt({
        tenantId,
        instanceId,
        jobWorkflowId: workflowId,
        taskId,
        priority: routerPriorityOf(context.groupPriority),
        labels: {
          ...labels,
          outboundInstanceId: instanceId,
          outboundJobGroupId: jobGroupId,
          outboundJobId: jobId,
          outboundTaskId: taskId,
          calledNumber: view.CalledNumber,
          callingNumber,
        },
      });
    } catch (error) {
      // Refused for good (e.g. the instance's queue cannot be made): the attempt and the job fail, visibly.
      await releaseSlot({ tenantId, instanceId, taskId });
      const reason = error instanceof Error ? error.message : 'the attempt could not be dispatched';
      updateTask(taskId, (t) => ({ ...t, Status: 'Failed', Brief: reason, EndTime: Date.now() }));
      return finish('Failed', 'CallFailed');
    }

    // Wait for the router job to end. Nobody took it before its window closed, or the job was cancelled or
    // suspended meanwhile: withdraw it (unless a worker takes it first, then the call goes on).
    let withdrawal: Withdrawal | undefined;
    /** The news count when ccflow last tried to withdraw the attempt: one try per state of the router job. */
    let triedAt = -1;
    for (;;) {
      const news = routerNews.get(taskId);
      if (news && news.status !== 'assigned' && news.status !== 'queued') break;
      const taken = news?.status === 'assigned';
      if (news && taken && view.Tasks.some((t) => t.TaskId === taskId && t.ActualTime === 0)) {
        updateTask(taskId, (t) => ({ ...t, ActualTime: news.assignedAt ?? Date.now() }));
        await publish();
      }
      const seq = newsSeq;
      if (!taken && triedAt !== seq) {
        const reason: Withdrawal | undefined = cancelled
          ? 'cancelled'
          : paused
            ? 'suspended'
            : Date.now() >= closes
              ? 'windowClosed'
              : undefined;
        if (reason) {
          triedAt = seq;
          const withdrawn = await withdrawAttempt({
            tenantId,
            taskId,
            dispositionCode: reason === 'windowClosed' ? 'Terminated' : 'Cancelled',
            note: `withdrawn by ccflow: ${reason}`,
          });
          if (withdrawn) withdrawal = reason;
          continue;
        }
        await condition(() => newsSeq !== seq || cancelled || paused, Math.max(1, closes - Date.now()));
        continue;
      }
      await condition(() => newsSeq !== seq);
    }
    await releaseSlot({ tenantId, instanceId, taskId });

    const ended = routerNews.get(taskId) ?? { jobId: taskId, status: 'cancelled' };
    const status = taskStatusOfRouterEnd(ended, withdrawal);
    updateTask(taskId, (t) => ({
      ...t,
      Status: status,
      ActualTime: t.ActualTime || (ended.assignedAt ?? 0),
      EndTime: Date.now(),
    }));
    if (isConnectedTaskStatus(status)) finish('Succeeded');
    else if (!cancelled && !paused) setStatus('Scheduling');
    await publish();
  };

  while (!isTerminalJobStatus(view.Status)) {
    if (cancelled) {
      finish('Cancelled');
      break;
    }
    if (paused) {
      setStatus('Paused', { NextExecutionTime: 0 });
      await publish();
      await condition(() => !paused || cancelled);
      if (!cancelled) setStatus('Scheduling');
      continue;
    }
    if (workflowInfo().historyLength > MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await publish();
      await condition(allHandlersFinished);
      return continueAsNew<typeof outboundJob>({ ...input, view, carried: { version, attempts, paused, cancelled } });
    }
    // The creator's context serves the first decision (no read per new job); every later one reads afresh.
    const loaded = fresh
      ? { found: true as const, ...fresh }
      : await loadAttemptContext({ tenantId, instanceId, jobGroupId, phoneNumber: view.CalledNumber });
    fresh = undefined;
    if (!loaded.found) {
      // Its group (or instance) was deleted: nothing is left to call for.
      finish('Cancelled');
      break;
    }
    const context: AttemptContext = loaded;
    if (context.groupStatus !== 'Scheduling') {
      // A Draft or Paused group holds its jobs back until ModifyJobGroup (or ResumeJobs) lets them go.
      paused = true;
      continue;
    }
    const planned = planNextAttempt(context, view.Tasks, view.CalledNumber, Date.now(), input.strategyJson);
    if (!planned.ok) {
      finish('Failed', 'InvalidStrategy');
      break;
    }
    const { decision } = planned;
    if (decision.kind === 'never') {
      if (decision.reason === 'ContactBlockList') {
        const contact = view.Contacts[0];
        const now = Date.now();
        if (contact) {
          attempts += 1;
          const blocked: Task = {
            TaskId: outboundTaskId(jobId, attempts),
            JobId: jobId,
            Status: 'ContactBlockList',
            PlanedTime: now,
            ActualTime: 0,
            EndTime: now,
            CallId: '',
            CalledNumber: view.CalledNumber,
            CallingNumber: '',
            ChatbotId: '',
            Duration: 0,
            ScenarioId: '',
            Brief: decision.detail,
            Contact: contact,
            Conversation: [],
          };
          change({ ...view, Tasks: [...view.Tasks, blocked] });
        }
      }
      finish('Failed', decision.reason);
      break;
    }
    if (decision.at > Date.now()) {
      setStatus('Scheduling', { NextExecutionTime: decision.at });
      await publish();
      await condition(() => paused || cancelled, decision.at - Date.now());
      continue;
    }
    await attempt(context, decision.at, decision.closes, planned.routingStrategy);
    await publish();
  }
  await publish();
  // Dialers may report a call's details after closing its router job: keep taking them for a while.
  await condition(() => false, input.outcomeGraceMs ?? DEFAULT_OUTCOME_GRACE_MS);
  await condition(allHandlersFinished);
  await publish();
}
