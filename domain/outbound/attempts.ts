/**
 * Pure pieces of an outbound job's life, shared by the API (a new job's read model), the activities and the
 * `outboundJob` workflow: the job's initial wire form, its attempt history for the strategy, the caller id of an
 * attempt, and how a router job's end becomes a task status (docs/outbound.md "Attempts").
 */
import type { TaskOutcome } from './messages';
import {
  type Contact,
  type JobInput,
  type JobView,
  isConnectedTaskStatus,
  isTaskStatus,
  type Task,
  type TaskStatus,
} from './records';
import type { BaseStrategy, InstanceRecord, JobGroupRecord } from './resources';
import {
  type Attempt,
  instanceLimitsSchema,
  type NextAttempt,
  nextAttemptAt,
  outboundStrategySchema,
  recallStrategySchema,
} from './strategy';

export interface NewJob {
  jobId: string;
  instanceId: string;
  jobGroupId: string;
  input: JobInput;
  /** The router priority of the group's Priority (resources.ts routerPriorityOf). */
  priority: number;
  callingNumbers: readonly string[];
}

/** A new job's read model: `Scheduling`, no attempts yet. */
export function newJobView({ jobId, instanceId, jobGroupId, input, priority, callingNumbers }: NewJob): JobView {
  const contacts: Contact[] = input.contacts.map((contact, index) => ({
    ContactId: `${jobId}-${index + 1}`,
    ContactName: contact.name ?? '',
    Honorific: contact.honorific ?? contact.name ?? '',
    PhoneNumber: contact.phonenumber,
    ReferenceId: contact.referenceid ?? '',
    JobId: jobId,
    Role: contact.role ?? '',
    State: 'Available',
  }));
  return {
    JobId: jobId,
    JobGroupId: jobGroupId,
    InstanceId: instanceId,
    ScenarioId: '',
    StrategyId: jobGroupId,
    Status: 'Scheduling',
    FailureReason: '',
    Priority: priority,
    SystemPriority: 1,
    ReferenceId: input.referenceid ?? contacts[0]?.ReferenceId ?? '',
    CalledNumber: contacts[0]?.PhoneNumber ?? '',
    CallingNumbers: [...callingNumbers],
    NextExecutionTime: 0,
    Contacts: contacts,
    Extras: (input.extras ?? []).map((extra) => ({ Key: extra.key, Value: extra.value ?? '' })),
    Summary: [],
    Tasks: [],
  };
}

/**
 * Task statuses ccflow itself sets on attempts that never reached a dialer: withdrawn (`Cancelled`, `Terminated`)
 * or refused before dispatch (`ContactBlockList`, `CallingNumberNotExist`). Every status a dialer reports counts,
 * not-dialled ones included: a dialer answering `EmptyNumber` must trigger the recall rules, and one answering
 * `PerDayCallCountLimit` must not be redialled at once.
 */
export const UNCOUNTED_TASK_STATUSES: readonly string[] = [
  'Executing',
  'Cancelled',
  'Terminated',
  'ContactBlockList',
  'CallingNumberNotExist',
];

/** The attempts the strategy counts (caps, interval, recall rules), in order. */
export function attemptHistory(tasks: readonly Task[]): Attempt[] {
  return tasks
    .filter((task) => !UNCOUNTED_TASK_STATUSES.includes(task.Status))
    .map((task) => ({ at: task.ActualTime || task.PlanedTime, phoneNumber: task.CalledNumber, outcome: task.Status }));
}

const commonPrefix = (a: string, b: string): number => {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length += 1;
  return length;
};
const digits = (number: string): string => number.replace(/\D/g, '');

/**
 * The caller id of an attempt (§2.12 `routingStrategy`). `None` rotates through the numbers attempt by attempt.
 * `LocalFirst` / `LocalProvinceFirst` prefer the number sharing the longest leading digits with the called number
 * (area code and exchange, the closest ccflow gets to "same city" without a numbering plan); ties rotate.
 */
export function chooseCallingNumber(
  numbers: readonly string[],
  calledNumber: string,
  routingStrategy: string | undefined,
  attempt: number,
): string | undefined {
  if (numbers.length === 0) return undefined;
  const rotate = (pool: readonly string[]): string | undefined => pool[(attempt - 1) % pool.length];
  if (!routingStrategy || routingStrategy.toLowerCase() === 'none') return rotate(numbers);
  const called = digits(calledNumber);
  const scores = numbers.map((number) => commonPrefix(digits(number), called));
  const best = Math.max(...scores);
  return rotate(numbers.filter((_number, index) => scores[index] === best));
}

/** Why ccflow withdrew an attempt's router job before anyone took it. */
export type Withdrawal = 'windowClosed' | 'cancelled' | 'suspended';

/**
 * A task's status from how its router job ended: the `dispositionCode` of a closed job when it names a task status
 * (§1.7), `Failed` when it does not; a job withdrawn by ccflow is `Terminated` (its window closed) or `Cancelled`
 * (the job was cancelled or suspended); one cancelled or deleted by anyone else is `Terminated`.
 */
export function taskStatusOfRouterEnd(
  change: { status: string; dispositionCode?: string | undefined },
  withdrawal: Withdrawal | undefined,
): TaskStatus {
  if (change.status === 'closed') {
    const code = change.dispositionCode?.trim() ?? '';
    return isTaskStatus(code) && code !== 'Executing' ? code : 'Failed';
  }
  if (withdrawal === 'cancelled' || withdrawal === 'suspended') return 'Cancelled';
  return 'Terminated';
}

export { isConnectedTaskStatus };

/** A task with a dialer's reported details merged in (later reports replace earlier values). */
export function withOutcome(task: Task, outcome: TaskOutcome, now: number): Task {
  return {
    ...task,
    ...(outcome.duration === undefined ? {} : { Duration: outcome.duration }),
    ...(outcome.callId === undefined ? {} : { CallId: outcome.callId }),
    ...(outcome.chatbotId === undefined ? {} : { ChatbotId: outcome.chatbotId }),
    ...(outcome.hangUpDirection === undefined ? {} : { HangUpDirection: outcome.hangUpDirection }),
    ...(outcome.endReason === undefined ? {} : { EndReason: outcome.endReason }),
    ...(outcome.conversation === undefined
      ? {}
      : {
          Conversation: outcome.conversation.map((line, index) => ({
            Speaker: line.speaker,
            Script: line.script,
            Timestamp: line.timestamp ?? now + index,
            Summary: [],
          })),
        }),
  };
}

/** The job's Summary after a report: tags by name, the latest value wins. */
export function mergeSummary(summary: JobView['Summary'], reported: TaskOutcome['summary']): JobView['Summary'] {
  if (!reported) return summary;
  const byName = new Map(summary.map((item) => [item.SummaryName, item]));
  for (const item of reported) {
    byName.set(item.summaryName, {
      SummaryName: item.summaryName,
      Category: item.category ?? '',
      Content: item.content,
    });
  }
  return [...byName.values()];
}

/** What an attempt needs to know, read afresh before each attempt (a changed group applies from the next one). */
export interface AttemptContext {
  timeZone: string;
  strategyJson: string;
  recallStrategyJson: string;
  baseStrategy?: BaseStrategy;
  maxAttemptsPerDay?: number;
  maxConcurrentConversation: number;
  callingNumbers: string[];
  recallCallingNumbers: string[];
  groupPriority: JobGroupRecord['priority'];
  /** `Draft` or `Paused` (ModifyJobGroup) holds the group's jobs back. */
  groupStatus: JobGroupRecord['status'];
  blocked: boolean;
}

export function attemptContextOf(instance: InstanceRecord, group: JobGroupRecord, blocked: boolean): AttemptContext {
  return {
    timeZone: instance.timeZone,
    strategyJson: group.strategyJson,
    recallStrategyJson: group.recallStrategyJson,
    ...(instance.baseStrategy === undefined ? {} : { baseStrategy: instance.baseStrategy }),
    ...(instance.maxAttemptsPerDay === undefined ? {} : { maxAttemptsPerDay: instance.maxAttemptsPerDay }),
    maxConcurrentConversation: instance.maxConcurrentConversation,
    callingNumbers: group.callingNumbers.length > 0 ? group.callingNumbers : instance.callingNumbers,
    recallCallingNumbers: group.recallCallingNumbers,
    groupPriority: group.priority,
    groupStatus: group.status,
    blocked,
  };
}

export type AttemptPlan = { ok: true; decision: NextAttempt; routingStrategy?: string } | { ok: false; detail: string };

/** The strategy's decision for a job at `now` (strategy.ts nextAttemptAt), from its context and its tasks. */
export function planNextAttempt(
  context: AttemptContext,
  tasks: readonly Task[],
  phoneNumber: string,
  now: number,
  strategyOverride?: string,
): AttemptPlan {
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  const strategy = outboundStrategySchema.safeParse(json(strategyOverride ?? context.strategyJson));
  const recall = recallStrategySchema.safeParse(json(context.recallStrategyJson));
  const instance = instanceLimitsSchema.safeParse({
    ...(context.baseStrategy ?? {}),
    ...(context.maxAttemptsPerDay === undefined ? {} : { maxAttemptsPerDay: context.maxAttemptsPerDay }),
  });
  if (!strategy.success || !recall.success || !instance.success) {
    return { ok: false, detail: 'the stored strategy no longer validates' };
  }
  const decision = nextAttemptAt({
    now,
    timeZone: context.timeZone,
    strategy: strategy.data,
    recall: recall.data,
    instance: instance.data,
    history: attemptHistory(tasks),
    phoneNumber,
    blocked: context.blocked,
  });
  return {
    ok: true,
    decision,
    ...(strategy.data.routingStrategy ? { routingStrategy: strategy.data.routingStrategy } : {}),
  };
}
