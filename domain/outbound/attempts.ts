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
  NOT_DIALLED_TASK_STATUSES,
  type Task,
  type TaskStatus,
} from './records';
import type { Attempt } from './strategy';

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

/** The attempts that rang a number (not-dialled tasks and the one in progress do not count). */
export function attemptHistory(tasks: readonly Task[]): Attempt[] {
  return tasks
    .filter(
      (task) => task.Status !== 'Executing' && !(NOT_DIALLED_TASK_STATUSES as readonly string[]).includes(task.Status),
    )
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
