/**
 * The messages of the two routing workflows, defined once for the API (client side) and the workflows.
 *
 * - `routerJob` (one per job, `router-job/{tenant}/{jobId}`): every client change of a job is an update named after
 *   its operation, so the job's history in the Web UI reads as its story.
 * - `tenantRouter` (one per tenant, `router/{tenant}`): owns the workers, their capacity and offers, and matching.
 *   Jobs tell it what changed (`jobChanged`); it tells jobs about offers (`offersIssued`, `offersRevoked`).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExceptionTrigger } from './job-exceptions';
import type { EndedOffer, JobOffer, JobState, ReleasedAssignment } from './job-lifecycle';
import type { HeldAssignment, HeldOffer, QueueDistribution, WaitingJob } from './matching';
import type { ExceptionRule, RouterWorker } from './models';

/** What a successful PATCH or GET shows: the wire resource (with `etag`) and its Last-Modified time. */
export interface ResourceView {
  resource: Record<string, unknown>;
  etag: string;
  /** ms */
  updatedAt: number;
}

export interface UpsertView extends ResourceView {
  created: boolean;
}

export interface RouterJobInput {
  tenantId: string;
  jobId: string;
  /** Carried across continue-as-new. */
  state?: JobState;
  publishedSeq?: number;
  /**
   * A workflow to tell when the job is assigned and when it ends (`routerJobStatus`): set by ccflow's own callers
   * (an outbound attempt is a router job), never by the router API.
   */
  notify?: { workflowId: string };
}

/**
 * The router job statuses a `notify` workflow hears about: queued (again, after an unassign), assigned, and every
 * way a job ends.
 */
export const NOTIFIED_JOB_STATUSES = [
  'queued',
  'assigned',
  'closed',
  'cancelled',
  'classificationFailed',
  'scheduleFailed',
];

export interface RouterJobStatusChange {
  jobId: string;
  /** One of NOTIFIED_JOB_STATUSES, or `deleted`. */
  status: string;
  dispositionCode?: string;
  workerId?: string;
  /** When the latest assignment was made, epoch ms. */
  assignedAt?: number;
}
export const routerJobStatusSignal = defineSignal<[RouterJobStatusChange]>('routerJobStatus');

// --- routerJob updates (one per client operation) ---------------------------------------------------------------

export const upsertJobUpdate = defineUpdate<
  UpsertView,
  [{ patch: unknown; ifMatch?: string; ifUnmodifiedSince?: string }]
>('upsertJob');
export const cancelJobUpdate = defineUpdate<
  object,
  [{ note?: string; dispositionCode?: string; unlessAssigned?: boolean }]
>('cancelJob');
export const completeJobUpdate = defineUpdate<object, [{ assignmentId: string; note?: string }]>('completeJob');
export const closeJobUpdate = defineUpdate<
  object,
  [{ assignmentId: string; dispositionCode?: string; closeAt?: number; note?: string }]
>('closeJob');
export const unassignJobUpdate = defineUpdate<
  { jobId: string; unassignmentCount: number },
  [{ assignmentId: string; suspendMatching?: boolean }]
>('unassignJob');
export const reclassifyJobUpdate = defineUpdate<object, []>('reclassifyJob');
export const acceptJobOfferUpdate = defineUpdate<
  { assignmentId: string; jobId: string; workerId: string },
  [{ workerId: string; offerId: string }]
>('acceptJobOffer');
export const declineJobOfferUpdate = defineUpdate<
  object,
  [{ workerId: string; offerId: string; retryOfferAt?: number }]
>('declineJobOffer');
export const deleteJobUpdate = defineUpdate<object, []>('deleteJob');

// --- router → job -------------------------------------------------------------------------------------------------

export const offersIssuedSignal = defineSignal<[{ offers: JobOffer[] }]>('offersIssued');
export const offersRevokedSignal = defineSignal<[{ offerIds: string[] }]>('offersRevoked');
/** An exception rule of the job's queue fired for its current queueing (domain/routing/job-exceptions.ts). */
export const exceptionTriggeredSignal = defineSignal<[ExceptionTrigger]>('exceptionTriggered');

// --- job → router -------------------------------------------------------------------------------------------------

/** The compact entry of a job in the tenant's job index (list filters, spec §2.2 op 17). */
export interface JobSummary {
  status: string;
  queueId?: string;
  channelId: string;
  classificationPolicyId?: string;
  /** ms: the `scheduleAt` of a scheduled job (the list filters scheduledBefore / scheduledAfter). */
  scheduledAt?: number;
}

/**
 * Everything the router must learn after a job changed. Idempotent by content (a retried delivery repeats the
 * previous message): waiting replaces the job's entry, ended offers and released assignments are removed once.
 */
export interface JobChange {
  jobId: string;
  /** The job's entry in its queue, null when it is not waiting for a worker. */
  waiting: WaitingJob | null;
  /** Declines with their time, so a worker that registered again since is offered the job again. */
  declinedAt: Record<string, number>;
  ended: EndedOffer[];
  released: ReleasedAssignment[];
  /** The job's list entry; null = the job was deleted. */
  summary: JobSummary | null;
}

export const jobChangedSignal = defineSignal<[JobChange]>('jobChanged');
/** A queue or distribution policy changed: the router reloads the distribution of its queues. */
export const configChangedSignal = defineSignal<[]>('configChanged');

// --- tenantRouter updates and queries ----------------------------------------------------------------------------

export const upsertWorkerUpdate = defineUpdate<
  UpsertView,
  [{ workerId: string; patch: unknown; ifMatch?: string; ifUnmodifiedSince?: string }]
>('upsertWorker');
export const deleteWorkerUpdate = defineUpdate<object, [{ workerId: string }]>('deleteWorker');

export interface QueuePosition {
  jobId: string;
  position: number;
  queueId: string;
  queueLength: number;
  estimatedWaitTimeMinutes: number;
}
export interface QueueStatistics {
  queueId: string;
  length: number;
  estimatedWaitTimeMinutes: Record<string, number>;
  longestJobWaitTimeMinutes?: number;
}
export const queuePositionQuery = defineQuery<QueuePosition | null, [{ jobId: string }]>('queuePosition');
export const queueStatisticsQuery = defineQuery<QueueStatistics, [{ queueId: string }]>('queueStatistics');

/** A worker as the router keeps it: the client's resource plus what it holds. */
export interface RouterWorkerRecord {
  /** The worker resource as upserted; its state, offers, assignedJobs and loadRatio are derived by workerView. */
  resource: RouterWorker;
  etag: string;
  updatedAt: number;
  version: number;
  offers: HeldOffer[];
  assignments: HeldAssignment[];
  availableSince: number;
  /** When it last registered (availableForOffers false → true): declines before it no longer count. */
  registeredAt: number;
  /** ms: when this worker was created (its ETags are salted with it). Absent in state from before it existed. */
  createdAt?: number;
}

/** The exception rules a waiting job is subject to for one queueing: its queue's rules when it joined (snapshot). */
export interface QueueingExceptions {
  queueId: string;
  enqueuedAt: number;
  rules: ExceptionRule[];
  /** Rule ids that fired for this queueing (each fires once per queueing). */
  fired: string[];
}

/** A queue as the router needs it: how offers are distributed and which exception rules apply. */
export interface QueueConfig {
  distribution: QueueDistribution;
  exceptionRules: ExceptionRule[];
}

export interface TenantRouterInput {
  tenantId: string;
  state?: {
    workers: Record<string, RouterWorkerRecord>;
    waiting: Record<string, WaitingJob>;
    declinedAt: Record<string, Record<string, number>>;
    roundRobinCursors: Record<string, string>;
    waitStats: Record<string, { meanWaitMs: number; samples: number }>;
    exceptions?: Record<string, QueueingExceptions>;
  };
}
