/**
 * The messages of the outbound workflows, defined once for the API, the activities and the workflows.
 *
 * - `outboundJob` (one per job, `outbound-job/{tenant}/{jobId}`): controls (cancel, suspend, resume) as signals,
 *   a call's details as the `taskOutcome` update, router job news as `routerJobStatus` (domain/routing/messages.ts).
 * - `outboundSlots` (one per instance, `outbound-slots/{tenant}/{instanceId}`): the semaphore of the instance's
 *   MaxConcurrentConversation; jobs acquire a slot per attempt and release it when the attempt ends.
 * - `assignJobsAsync` (one per AssignJobsAsync call): creates the jobs in batches.
 */
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { AttemptContext } from './attempts';
import type { JobView, Task } from './records';

export const JOB_CONTROLS = ['cancel', 'suspend', 'resume'] as const;
export type JobControl = (typeof JOB_CONTROLS)[number];
export const controlJobSignal = defineSignal<[{ control: JobControl }]>('controlJob');

/** The details of a call that a dialer reports for a task (`POST /v1/outbound/tasks/{taskId}/outcome`). */
export const taskOutcomeSchema = z
  .object({
    duration: z.number().int().min(0).max(86_400).optional(),
    callId: z.string().max(256).optional(),
    chatbotId: z.string().max(256).optional(),
    hangUpDirection: z.enum(['client', 'ivr']).optional(),
    endReason: z.string().max(64).optional(),
    conversation: z
      .array(
        z.object({
          speaker: z.enum(['Robot', 'Contact']),
          script: z.string().max(10_000),
          timestamp: z.number().int().optional(),
        }),
      )
      .max(500)
      .optional(),
    summary: z
      .array(
        z.object({
          summaryName: z.string().min(1).max(256),
          category: z.string().max(256).optional(),
          content: z.string().max(10_000),
        }),
      )
      .max(100)
      .optional(),
  })
  .strict();
export type TaskOutcome = z.infer<typeof taskOutcomeSchema>;

export const taskOutcomeUpdate = defineUpdate<Task, [{ taskId: string; outcome: TaskOutcome }]>('taskOutcome');

export interface OutboundJobInput {
  tenantId: string;
  jobId: string;
  /** The job as created (Scheduling, no tasks); the read model's version 1. */
  view: JobView;
  /** Creation order in the read model's index: epoch ms and the position in its AssignJobs call. */
  createdAt: number;
  position: number;
  /** AssignJobs' CallingNumber.N, which override the group's numbers for this job. */
  callingNumbers?: string[];
  /** AssignJobs' StrategyJson, which overrides the group's strategy for this job. */
  strategyJson?: string;
  /** The context read by the job's creator: the first decision needs no read of its own. */
  context?: AttemptContext;
  /** How long a finished job still accepts task outcomes, ms. */
  outcomeGraceMs?: number;
  /** Carried across continue-as-new. */
  carried?: { version: number; attempts: number; paused: boolean; cancelled: boolean };
}

// --- outboundSlots ---------------------------------------------------------------------------------------------

export interface SlotRequest {
  /** The job workflow to signal (`slotGranted`) when the slot is its. */
  workflowId: string;
  taskId: string;
  /** The instance's MaxConcurrentConversation when the job asked: the latest request's limit applies. */
  limit: number;
}
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');
export const releaseSlotSignal = defineSignal<[{ taskId: string }]>('releaseSlot');
export const slotGrantedSignal = defineSignal<[{ taskId: string }]>('slotGranted');

export interface OutboundSlotsInput {
  tenantId: string;
  instanceId: string;
  /** Carried across continue-as-new. */
  holders?: SlotRequest[];
  waiting?: SlotRequest[];
  limit?: number;
}

// --- assignJobsAsync -------------------------------------------------------------------------------------------

export interface AssignJobsAsyncInput {
  tenantId: string;
  instanceId: string;
  jobGroupId: string;
  asyncTaskId: string;
  /** Blob key of the validated jobs (JSON), written by the API before the workflow starts. */
  jobsBlobKey: string;
  total: number;
  /** When the call was made: every batch's jobs are created "at" this time, ordered by their position. */
  createdAt: number;
  callingNumbers?: string[];
  strategyJson?: string;
}

/** Where an AssignJobsAsync call's validated jobs wait for its workflow (too large for a workflow input). */
export const assignJobsBlobKey = (tenantId: string, asyncTaskId: string): string =>
  `tenants/${tenantId}/outbound/assign/${asyncTaskId}.json`;

/** How many jobs one activity of assignJobsAsync creates. */
export const ASSIGN_BATCH_SIZE = 250;
