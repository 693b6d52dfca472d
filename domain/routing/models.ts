import { z } from 'zod';
import {
  int32Schema,
  labelsSchema,
  prioritySchema,
  routerWorkerSelectorInputSchema,
  routerWorkerSelectorSchema,
  timestampSchema,
} from './common';
import { routerJobStatusSchema, routerWorkerStateSchema } from './enums';
import {
  distributionModeSchema,
  exceptionActionInputSchema,
  exceptionActionSchema,
  exceptionTriggerSchema,
  jobMatchingModeSchema,
  queueSelectorAttachmentSchema,
  routerRuleSchema,
  workerSelectorAttachmentSchema,
} from './unions';

/**
 * The six Job Router resources of spec §3 (api-version 2023-11-01), one zod schema each.
 *
 * - `…Schema` is the **stored** shape, which is also the output shape before `toWire` (wire.ts) drops nulls and
 *   adds `etag`: every member the service returns, defaults materialised, timestamps in wire form. The upsert
 *   validates the result of every merge patch with it.
 * - `…InputSchema` is what a client controls (the spec's `…CreateOrUpdate` twin): the stored shape without the
 *   read-only members. `READ_ONLY_FIELDS` lists them; the upsert removes them from a patch body, so sending them is
 *   ignored, never an error (spec §1: a queue PATCH body containing `"id"` succeeded). Unknown members are ignored
 *   too (stripped), like the service does with fields of other API versions (`maxConcurrentOffers` on a worker).
 */

const resourceIdSchema = z.string().min(1);

/** Adds an issue at `<field>.<index>.<key>` for the second and later elements sharing a key. */
function rejectDuplicates<T>(items: readonly T[], keyOf: (item: T) => string, path: (index: number) => PropertyKey[]) {
  return (ctx: z.RefinementCtx): void => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const key = keyOf(item);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: path(index), message: `duplicate value "${key}"` });
      seen.add(key);
    });
  };
}

// ---------------------------------------------------------------------------------------------------------------
// §3.1 DistributionPolicy
// ---------------------------------------------------------------------------------------------------------------

export const distributionPolicyInputSchema = z.object({
  name: z.string().optional(),
  // Required although the JSON spec marks it optional: an offer needs a lifetime (the SDK constructors require it).
  offerExpiresAfterSeconds: z.number().gt(0),
  mode: distributionModeSchema,
});
export type DistributionPolicyInput = z.infer<typeof distributionPolicyInputSchema>;

export const distributionPolicySchema = z.object({ id: resourceIdSchema, ...distributionPolicyInputSchema.shape });
export type DistributionPolicy = z.infer<typeof distributionPolicySchema>;

// ---------------------------------------------------------------------------------------------------------------
// §3.2 RouterQueue
// ---------------------------------------------------------------------------------------------------------------

export const routerQueueInputSchema = z.object({
  name: z.string().optional(),
  // Effectively required: a queue cannot distribute without a policy. Whether it exists is checked by the caller
  // (`referencesOf`), which has the store.
  distributionPolicyId: resourceIdSchema,
  labels: labelsSchema.default({}),
  exceptionPolicyId: resourceIdSchema.optional(),
});
export type RouterQueueInput = z.infer<typeof routerQueueInputSchema>;

/** `labels.Id` is always the queue id (the service auto-adds it; the upsert enforces it). */
export const routerQueueSchema = z.object({ id: resourceIdSchema, ...routerQueueInputSchema.shape });
export type RouterQueue = z.infer<typeof routerQueueSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §3.3 ClassificationPolicy
// ---------------------------------------------------------------------------------------------------------------

export const classificationPolicyInputSchema = z.object({
  name: z.string().optional(),
  fallbackQueueId: resourceIdSchema.optional(),
  queueSelectorAttachments: z.array(queueSelectorAttachmentSchema).default([]),
  prioritizationRule: routerRuleSchema.optional(),
  workerSelectorAttachments: z.array(workerSelectorAttachmentSchema).default([]),
});
export type ClassificationPolicyInput = z.infer<typeof classificationPolicyInputSchema>;

export const classificationPolicySchema = z.object({
  id: resourceIdSchema,
  ...classificationPolicyInputSchema.shape,
});
export type ClassificationPolicy = z.infer<typeof classificationPolicySchema>;

// ---------------------------------------------------------------------------------------------------------------
// §3.4 ExceptionPolicy
// ---------------------------------------------------------------------------------------------------------------

function exceptionRulesSchema<A extends z.ZodType>(action: A) {
  const rule = z.object({ id: resourceIdSchema, trigger: exceptionTriggerSchema, actions: z.array(action) });
  // Rule ids are how events (`exceptionRuleId`) and the exception workflow name a rule: they must be unique.
  return z
    .array(rule)
    .default([])
    .superRefine((rules, ctx) =>
      rejectDuplicates(
        rules,
        (r) => r.id,
        (i) => [i, 'id'],
      )(ctx),
    );
}

export const exceptionPolicyInputSchema = z.object({
  name: z.string().optional(),
  exceptionRules: exceptionRulesSchema(exceptionActionInputSchema),
});
export type ExceptionPolicyInput = z.infer<typeof exceptionPolicyInputSchema>;

export const exceptionPolicySchema = z.object({
  id: resourceIdSchema,
  name: z.string().optional(),
  exceptionRules: exceptionRulesSchema(exceptionActionSchema),
});
export type ExceptionPolicy = z.infer<typeof exceptionPolicySchema>;
export type ExceptionRule = ExceptionPolicy['exceptionRules'][number];

// ---------------------------------------------------------------------------------------------------------------
// §3.5 RouterJob
// ---------------------------------------------------------------------------------------------------------------

export const routerJobNoteInputSchema = z.object({ message: z.string(), addedAt: timestampSchema.optional() });
/** Stored notes always carry `addedAt`: the upsert defaults it to the time of the PATCH (spec: "defaults to now"). */
export const routerJobNoteSchema = z.object({ message: z.string(), addedAt: timestampSchema });
export type RouterJobNote = z.infer<typeof routerJobNoteSchema>;

export const routerJobAssignmentSchema = z.object({
  assignmentId: resourceIdSchema,
  workerId: resourceIdSchema.optional(),
  assignedAt: timestampSchema,
  completedAt: timestampSchema.optional(),
  closedAt: timestampSchema.optional(),
});
export type RouterJobAssignment = z.infer<typeof routerJobAssignmentSchema>;

const routerJobClientFields = {
  channelReference: z.string().optional(),
  // Required: matching needs a channel (§6.4 step 3), so a job without one could never be offered.
  channelId: z.string().min(1),
  classificationPolicyId: resourceIdSchema.optional(),
  queueId: resourceIdSchema.optional(),
  // `priority: null` resets to 1 (spec §6.1): the merge patch removes it and this default puts 1 back.
  priority: prioritySchema.default(1),
  dispositionCode: z.string().optional(),
  labels: labelsSchema.default({}),
  tags: labelsSchema.default({}),
  matchingMode: jobMatchingModeSchema.default({ kind: 'queueAndMatch' }),
};

/** A job must be able to reach a queue: directly, or through its classification policy. */
function jobHasRoute(job: { queueId?: string | undefined; classificationPolicyId?: string | undefined }) {
  return (ctx: z.RefinementCtx): void => {
    if (job.queueId === undefined && job.classificationPolicyId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['queueId'], message: 'is required when classificationPolicyId is absent' });
    }
  };
}

export const routerJobInputSchema = z
  .object({
    ...routerJobClientFields,
    requestedWorkerSelectors: z.array(routerWorkerSelectorInputSchema).default([]),
    notes: z.array(routerJobNoteInputSchema).default([]),
  })
  .superRefine((job, ctx) => jobHasRoute(job)(ctx));
export type RouterJobInput = z.infer<typeof routerJobInputSchema>;

export const routerJobSchema = z
  .object({
    id: resourceIdSchema,
    ...routerJobClientFields,
    // Read-only: the lifecycle (job workflow) owns these; a new job starts `created`.
    status: routerJobStatusSchema.default('created'),
    enqueuedAt: timestampSchema.optional(),
    scheduledAt: timestampSchema.optional(),
    requestedWorkerSelectors: z.array(routerWorkerSelectorSchema).default([]),
    attachedWorkerSelectors: z.array(routerWorkerSelectorSchema).default([]),
    assignments: z.record(z.string(), routerJobAssignmentSchema).default({}),
    notes: z.array(routerJobNoteSchema).default([]),
  })
  .superRefine((job, ctx) => jobHasRoute(job)(ctx));
export type RouterJob = z.infer<typeof routerJobSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §3.6 RouterWorker
// ---------------------------------------------------------------------------------------------------------------

export const routerChannelSchema = z.object({
  channelId: z.string().min(1),
  capacityCostPerJob: int32Schema.min(0),
  maxNumberOfJobs: int32Schema.min(1).optional(),
});
export type RouterChannel = z.infer<typeof routerChannelSchema>;

export const routerJobOfferSchema = z.object({
  offerId: resourceIdSchema,
  jobId: resourceIdSchema,
  capacityCost: int32Schema.min(0),
  offeredAt: timestampSchema.optional(),
  expiresAt: timestampSchema.optional(),
});
export type RouterJobOffer = z.infer<typeof routerJobOfferSchema>;

export const routerWorkerAssignmentSchema = z.object({
  assignmentId: resourceIdSchema,
  jobId: resourceIdSchema,
  capacityCost: int32Schema.min(0),
  assignedAt: timestampSchema,
});
export type RouterWorkerAssignment = z.infer<typeof routerWorkerAssignmentSchema>;

const routerWorkerClientFields = {
  queues: z.array(resourceIdSchema).default([]),
  // Required: without a capacity no channel cost can ever fit (the SDKs require it on create).
  capacity: int32Schema.min(0),
  labels: labelsSchema.default({}),
  tags: labelsSchema.default({}),
  channels: z.array(routerChannelSchema).default([]),
  availableForOffers: z.boolean().default(false),
};

/** One entry per queue and per channel: a second entry would make capacity per channel ambiguous. */
function workerEntriesUnique(worker: { queues: string[]; channels: RouterChannel[] }) {
  return (ctx: z.RefinementCtx): void => {
    rejectDuplicates(
      worker.queues,
      (q) => q,
      (i) => ['queues', i],
    )(ctx);
    rejectDuplicates(
      worker.channels,
      (c) => c.channelId,
      (i) => ['channels', i, 'channelId'],
    )(ctx);
  };
}

export const routerWorkerInputSchema = z
  .object(routerWorkerClientFields)
  .superRefine((worker, ctx) => workerEntriesUnique(worker)(ctx));
export type RouterWorkerInput = z.infer<typeof routerWorkerInputSchema>;

export const routerWorkerSchema = z
  .object({
    id: resourceIdSchema,
    // Read-only: the matcher owns these; a new worker is inactive until it is registered.
    state: routerWorkerStateSchema.default('inactive'),
    ...routerWorkerClientFields,
    offers: z.array(routerJobOfferSchema).default([]),
    assignedJobs: z.array(routerWorkerAssignmentSchema).default([]),
    loadRatio: z.number().min(0).max(1).default(0),
  })
  .superRefine((worker, ctx) => workerEntriesUnique(worker)(ctx));
export type RouterWorker = z.infer<typeof routerWorkerSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The resource table
// ---------------------------------------------------------------------------------------------------------------

export const ROUTER_RESOURCES = [
  'distributionPolicies',
  'queues',
  'classificationPolicies',
  'exceptionPolicies',
  'jobs',
  'workers',
] as const;
/** A resource kind, spelled as its collection in the URL (`/routing/<kind>/{id}`). */
export type RouterResourceKind = (typeof ROUTER_RESOURCES)[number];

export interface RouterResourceTypes {
  distributionPolicies: DistributionPolicy;
  queues: RouterQueue;
  classificationPolicies: ClassificationPolicy;
  exceptionPolicies: ExceptionPolicy;
  jobs: RouterJob;
  workers: RouterWorker;
}

export const ROUTER_SCHEMAS = {
  distributionPolicies: distributionPolicySchema,
  queues: routerQueueSchema,
  classificationPolicies: classificationPolicySchema,
  exceptionPolicies: exceptionPolicySchema,
  jobs: routerJobSchema,
  workers: routerWorkerSchema,
} as const satisfies { [K in RouterResourceKind]: z.ZodType<RouterResourceTypes[K], unknown> };

/**
 * Server-owned top-level members, ignored in a PATCH body (removed before the merge, so they can neither be set
 * nor reset by a client). `id` comes from the path; `etag` is computed.
 */
export const READ_ONLY_FIELDS: { readonly [K in RouterResourceKind]: readonly string[] } = {
  distributionPolicies: ['id', 'etag'],
  queues: ['id', 'etag'],
  classificationPolicies: ['id', 'etag'],
  exceptionPolicies: ['id', 'etag'],
  jobs: ['id', 'etag', 'status', 'enqueuedAt', 'scheduledAt', 'attachedWorkerSelectors', 'assignments'],
  workers: ['id', 'etag', 'state', 'offers', 'assignedJobs', 'loadRatio'],
};

/** Server-owned members of each requested worker selector (spec §3.8). */
export const READ_ONLY_SELECTOR_FIELDS = ['status', 'expiresAt'] as const;

/** A reference from one resource to another, for the caller (which has the store) to check. */
export interface ResourceReference {
  /** Field path in the referring resource, for the 400 (e.g. `distributionPolicyId`, `queues.2`). */
  field: string;
  kind: RouterResourceKind;
  id: string;
}

/**
 * Every id a resource points at. Which of them must exist is the API's decision (the spec requires a queue's
 * distribution policy to exist, §6.7); the list is complete so the rest can be checked when the issue that adds
 * classification and exceptions decides.
 */
export function referencesOf<K extends RouterResourceKind>(
  kind: K,
  resource: RouterResourceTypes[K],
): ResourceReference[] {
  const refs: ResourceReference[] = [];
  const add = (field: string, target: RouterResourceKind, id: string | undefined): void => {
    if (id !== undefined) refs.push({ field, kind: target, id });
  };
  // The casts narrow the generic to the kind just tested: TypeScript does not narrow K from `kind`.
  if (kind === 'queues') {
    const queue = resource as RouterQueue;
    add('distributionPolicyId', 'distributionPolicies', queue.distributionPolicyId);
    add('exceptionPolicyId', 'exceptionPolicies', queue.exceptionPolicyId);
  } else if (kind === 'classificationPolicies') {
    add('fallbackQueueId', 'queues', (resource as ClassificationPolicy).fallbackQueueId);
  } else if (kind === 'exceptionPolicies') {
    (resource as ExceptionPolicy).exceptionRules.forEach((rule, r) =>
      rule.actions.forEach((action, a) => {
        const at = `exceptionRules.${r}.actions.${a}`;
        if (action.kind === 'manualReclassify') add(`${at}.queueId`, 'queues', action.queueId);
        if (action.kind === 'reclassify')
          add(`${at}.classificationPolicyId`, 'classificationPolicies', action.classificationPolicyId);
      }),
    );
  } else if (kind === 'jobs') {
    const job = resource as RouterJob;
    add('queueId', 'queues', job.queueId);
    add('classificationPolicyId', 'classificationPolicies', job.classificationPolicyId);
  } else if (kind === 'workers') {
    (resource as RouterWorker).queues.forEach((queueId, i) => add(`queues.${i}`, 'queues', queueId));
  }
  return refs;
}
