import { z } from 'zod';

/**
 * Instances, job groups and block-list entries as ccflow stores them (db/outbound/resources.ts). The API validates
 * each action's parameters into these; the job workflows read them through an activity at every attempt, so a
 * change applies from the next attempt on.
 */

/** The default time zone of an instance: OutboundBot's only region is cn-shanghai (docs/outbound.md). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Whether the runtime knows an IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const baseStrategySchema = z.object({
  /** `HH:mm:ss` windows, as `SaveBaseStrategyPeriod` received them (validated by strategy.ts workingTimeSchema). */
  workingTime: z.array(z.object({ beginTime: z.string(), endTime: z.string() })),
  onlyWeekdays: z.boolean(),
  onlyWorkdays: z.boolean(),
});
export type BaseStrategy = z.infer<typeof baseStrategySchema>;

export const instanceRecordSchema = z.object({
  instanceId: z.string(),
  name: z.string(),
  description: z.string(),
  maxConcurrentConversation: z.number().int().positive(),
  callingNumbers: z.array(z.string()),
  timeZone: z.string(),
  /** `SaveMaxAttemptsPerDay`; absent = the default of 3. */
  maxAttemptsPerDay: z.number().int().positive().optional(),
  /** `SaveBaseStrategyPeriod`; absent = no instance-wide window. */
  baseStrategy: baseStrategySchema.optional(),
  createdAt: z.number().int(),
  modifiedAt: z.number().int(),
});
export type InstanceRecord = z.infer<typeof instanceRecordSchema>;

export const GROUP_PRIORITIES = ['Urgent', 'Daily'] as const;
export const STORED_GROUP_STATUSES = ['Draft', 'Paused', 'Scheduling'] as const;

export const jobGroupRecordSchema = z.object({
  jobGroupId: z.string(),
  instanceId: z.string(),
  name: z.string(),
  description: z.string(),
  scriptId: z.string(),
  scenarioId: z.string(),
  /** The StrategyJson text as received (validated by strategy.ts outboundStrategySchema); `{}` when absent. */
  strategyJson: z.string(),
  /** The RecallStrategyJson text as received (recallStrategySchema); `{}` when absent. */
  recallStrategyJson: z.string(),
  callingNumbers: z.array(z.string()),
  recallCallingNumbers: z.array(z.string()),
  ringingDuration: z.number().int(),
  priority: z.enum(GROUP_PRIORITIES),
  minConcurrency: z.number().int(),
  /** Stored status: `Draft` / `Paused` set by ModifyJobGroup; otherwise `Scheduling`, refined from progress on read. */
  status: z.enum(STORED_GROUP_STATUSES),
  flashSmsExtras: z.string(),
  creationTime: z.number().int(),
  modifyTime: z.number().int(),
});
export type JobGroupRecord = z.infer<typeof jobGroupRecordSchema>;

/** A job group's Priority as the router job's priority of its attempts (Azure: higher is served first). */
export const routerPriorityOf = (priority: JobGroupRecord['priority']): number => (priority === 'Urgent' ? 10 : 1);

export const blockListEntrySchema = z.object({
  phoneNumber: z.string(),
  name: z.string(),
  remark: z.string(),
  creator: z.string(),
  createdAt: z.number().int(),
});
export type BlockListEntry = z.infer<typeof blockListEntrySchema>;
