import { z } from 'zod';

/**
 * The OutboundBot 2019-12-26 wire model of jobs and tasks (spec outbound-bot.md §1.4–§1.7), as ccflow stores it:
 * a job's read model is exactly its wire form, so `ListJobs` and `DescribeJob` send what they read. Field names and
 * types are the SDK's (PascalCase, epoch-ms integers, bare arrays): the official client drops a body that does not
 * fit its model.
 */

/** Job `Status` (§1.7). */
export const JOB_STATUSES = [
  'Scheduling',
  'Executing',
  'Succeeded',
  'Paused',
  'Failed',
  'Cancelled',
  'Drafted',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['Succeeded', 'Failed', 'Cancelled'];
export const isTerminalJobStatus = (status: string): boolean =>
  (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);

/** Task `Status` (§1.7), one call attempt's outcome; a router job's `dispositionCode` names one of these. */
export const TASK_STATUSES = [
  'Executing',
  'Succeeded',
  'NoAnswer',
  'NotExist',
  'Busy',
  'Cancelled',
  'Failed',
  'NotConnected',
  'PoweredOff',
  'OutOfService',
  'InArrears',
  'EmptyNumber',
  'PerDayCallCountLimit',
  'ContactBlockList',
  'CallerNotRegistered',
  'Terminated',
  'VerificationCancelled',
  'OutOfServiceNoCall',
  'InArrearsNoCall',
  'CallingNumberNotExist',
  'SucceededFinish',
  'SucceededChatbotHangUpAfterNoAnswer',
  'SucceededChatbotHangUpAfterSilence',
  'SucceededClientHangUpAfterNoAnswer',
  'SucceededClientHangUp',
  'SucceededTransferByIntent',
  'SucceededTransferAfterNoAnswer',
  'SucceededInoInterAction',
  'SucceededError',
  'SucceededSpecialInterceptVoiceAssistant',
  'SucceededSpecialInterceptExtensionNumberTransfer',
  'SucceededSpecialInterceptCustomSpecialIntercept',
  'HighRiskSipCode',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const isTaskStatus = (value: string): value is TaskStatus =>
  (TASK_STATUSES as readonly string[]).includes(value);
/** The contact was reached: the legacy `Succeeded` and every `Succeeded*` sub-reason. */
export const isConnectedTaskStatus = (status: string): boolean => status.startsWith('Succeeded');
/** Job `FailureReason` (§1.7). */
export const FAILURE_REASONS = [
  'Unknown',
  'NoAnswer',
  'InvalidStrategy',
  'TimeUp',
  'NoStrategy',
  'CallFailed',
  'PerDayCallCountLimit',
  'ContactBlockList',
  'EmptyNumber',
  'JobPerDayCallCountLimit',
  'VerificationCancelled',
  'ContactSuspended',
  'InArrears',
  'OutOfService',
  'NoneRepeatableJobMaxAttemptCountLimit',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const summaryItemSchema = z.object({
  SummaryName: z.string(),
  Category: z.string(),
  Content: z.string(),
});
export type SummaryItem = z.infer<typeof summaryItemSchema>;

export const contactSchema = z.object({
  ContactId: z.string(),
  ContactName: z.string(),
  Honorific: z.string(),
  PhoneNumber: z.string(),
  ReferenceId: z.string(),
  JobId: z.string(),
  Role: z.string(),
  State: z.string(),
});
export type Contact = z.infer<typeof contactSchema>;

export const conversationLineSchema = z.object({
  Speaker: z.enum(['Robot', 'Contact']),
  Script: z.string(),
  Timestamp: z.number().int(),
  Summary: z.array(summaryItemSchema),
});
export type ConversationLine = z.infer<typeof conversationLineSchema>;

export const taskSchema = z.object({
  TaskId: z.string(),
  JobId: z.string(),
  Status: z.string(),
  PlanedTime: z.number().int(),
  ActualTime: z.number().int(),
  EndTime: z.number().int().optional(),
  CallId: z.string(),
  CalledNumber: z.string(),
  CallingNumber: z.string(),
  ChatbotId: z.string(),
  Duration: z.number().int(),
  ScenarioId: z.string(),
  Brief: z.string(),
  HangUpDirection: z.string().optional(),
  EndReason: z.string().optional(),
  Contact: contactSchema,
  Conversation: z.array(conversationLineSchema),
});
export type Task = z.infer<typeof taskSchema>;

/** A job as `DescribeJob` shows it; `ListJobs` sends the same minus the DescribeJob-only fields. */
export const jobViewSchema = z.object({
  JobId: z.string(),
  JobGroupId: z.string(),
  InstanceId: z.string(),
  ScenarioId: z.string(),
  StrategyId: z.string(),
  Status: z.enum(JOB_STATUSES),
  FailureReason: z.string(),
  Priority: z.number().int(),
  SystemPriority: z.number().int(),
  ReferenceId: z.string(),
  CalledNumber: z.string(),
  CallingNumbers: z.array(z.string()),
  NextExecutionTime: z.number().int(),
  Contacts: z.array(contactSchema),
  Extras: z.array(z.object({ Key: z.string(), Value: z.string() })),
  Summary: z.array(summaryItemSchema),
  Tasks: z.array(taskSchema),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** Fields only DescribeJob returns (ListJobs and ListJobsByGroup omit them). */
export const DESCRIBE_ONLY_JOB_FIELDS = ['InstanceId', 'CalledNumber', 'NextExecutionTime'] as const;

// --- Job input (`JobsJson.N`, §2.2) ---------------------------------------------------------------------------

/** Keys of a JSON object lower-cased (the docs spell `phoneNumber` and `phonenumber`; both are accepted). */
const lowerKeys = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.toLowerCase(), inner]))
    : value;

const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value));

export const contactInputSchema = z.preprocess(
  lowerKeys,
  z.object({
    phonenumber: scalarText.pipe(z.string().trim().min(1, 'phoneNumber is required').max(64)),
    referenceid: scalarText.pipe(z.string().max(256)).optional(),
    name: scalarText.pipe(z.string().max(256)).optional(),
    honorific: scalarText.pipe(z.string().max(256)).optional(),
    role: scalarText.pipe(z.string().max(256)).optional(),
  }),
);
export type ContactInput = z.infer<typeof contactInputSchema>;

export const jobInputSchema = z.preprocess(
  lowerKeys,
  z.object({
    contacts: z.array(contactInputSchema).min(1, 'contacts must hold at least one contact').max(10),
    extras: z
      .array(z.preprocess(lowerKeys, z.object({ key: scalarText, value: scalarText.optional() })))
      .max(100)
      .optional(),
    referenceid: scalarText.optional(),
  }),
);
export type JobInput = z.infer<typeof jobInputSchema>;
