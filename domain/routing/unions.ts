import { z } from 'zod';
import {
  int32Schema,
  labelsSchema,
  primitiveValueSchema,
  prioritySchema,
  routerQueueSelectorSchema,
  routerWorkerSelectorInputSchema,
  secondsSchema,
  timestampSchema,
} from './common';
import { expressionRouterRuleLanguageSchema, kebabToCamel, scoringRuleParameterSelectorSchema } from './enums';
import { describeParseFailure, parseExpression } from './rules/expression';

/**
 * The discriminated unions of spec §4. `kind` is required on every one. Input may spell it in kebab-case
 * (`longest-idle`) or with an older preview name (`static-rule`); the stored and output form is camelCase. When a
 * merge patch changes `kind`, members of the previous variant that the new one does not have are dropped (zod strips
 * unknown keys), so `{kind:"scheduleAndSuspend",scheduleAt}` patched with `{kind:"queueAndMatch"}` is just
 * `{kind:"queueAndMatch"}`.
 */

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rewrites `kind` to its camelCase name (and through `aliases`) before the union picks its variant. */
function normaliseKind(aliases: Readonly<Record<string, string>> = {}) {
  return (value: unknown): unknown => {
    if (!isPlainObject(value) || typeof value.kind !== 'string') return value;
    const camel = kebabToCamel(value.kind) as string;
    return { ...value, kind: aliases[camel] ?? camel };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// §4.3 RouterRule
// ---------------------------------------------------------------------------------------------------------------

/** Preview names (`static-rule`, `azure-function-rule`, …) after kebab → camel conversion. */
const RULE_ALIASES = {
  staticRule: 'static',
  directMapRule: 'directMap',
  expressionRule: 'expression',
  functionRule: 'function',
  azureFunctionRule: 'function',
  webhookRule: 'webhook',
} as const;

export const routerRuleSchema = z.preprocess(
  normaliseKind(RULE_ALIASES),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('static'), value: primitiveValueSchema.optional() }),
    z.object({ kind: z.literal('directMap') }),
    z.object({
      kind: z.literal('expression'),
      // The only language; materialised so a client reads what will run.
      language: expressionRouterRuleLanguageSchema.default('powerFx'),
      // Parsed at upsert so a rule that cannot run is a 400 naming the position, not a failed classification later.
      expression: z
        .string()
        .min(1)
        .superRefine((text, ctx) => {
          // '' has already failed min(1): one issue for it is enough.
          if (text === '') return;
          const parsed = parseExpression(text);
          if (!parsed.ok) ctx.addIssue({ code: 'custom', message: describeParseFailure(parsed) });
        }),
    }),
    z.object({
      kind: z.literal('function'),
      functionUri: z.url(),
      credential: z
        .object({ functionKey: z.string().optional(), appKey: z.string().optional(), clientId: z.string().optional() })
        .optional(),
    }),
    z.object({
      kind: z.literal('webhook'),
      authorizationServerUri: z.url().optional(),
      clientCredential: z.object({ clientId: z.string().optional(), clientSecret: z.string().optional() }).optional(),
      webhookUri: z.url().optional(),
    }),
  ]),
);
export type RouterRule = z.infer<typeof routerRuleSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §4.1 DistributionMode
// ---------------------------------------------------------------------------------------------------------------

export const scoringRuleOptionsSchema = z.object({
  batchSize: z.number().int().min(1).default(20),
  scoringParameters: z.array(scoringRuleParameterSelectorSchema).default(['jobLabels', 'workerSelectors']),
  isBatchScoringEnabled: z.boolean().default(false),
  descendingOrder: z.boolean().default(true),
});
export type ScoringRuleOptions = z.infer<typeof scoringRuleOptionsSchema>;

// Base fields of every mode, defaults materialised so matching never has to know them.
const modeBase = {
  minConcurrentOffers: z.number().int().min(1).default(1),
  maxConcurrentOffers: z.number().int().min(1).default(1),
  bypassSelectors: z.boolean().default(false),
};

export const distributionModeSchema = z
  .preprocess(
    normaliseKind(),
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('longestIdle'), ...modeBase }),
      z.object({ kind: z.literal('roundRobin'), ...modeBase }),
      z.object({
        kind: z.literal('bestWorker'),
        ...modeBase,
        scoringRule: routerRuleSchema.optional(),
        scoringRuleOptions: scoringRuleOptionsSchema.optional(),
      }),
    ]),
  )
  .superRefine((mode, ctx) => {
    if (mode.minConcurrentOffers > mode.maxConcurrentOffers) {
      ctx.addIssue({
        code: 'custom',
        path: ['minConcurrentOffers'],
        message: `must not exceed maxConcurrentOffers (${mode.maxConcurrentOffers})`,
      });
    }
  });
export type DistributionMode = z.infer<typeof distributionModeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §4.2 JobMatchingMode
// ---------------------------------------------------------------------------------------------------------------

export const jobMatchingModeSchema = z.preprocess(
  normaliseKind(),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('queueAndMatch') }),
    // The CreateOrUpdate twin makes scheduleAt optional, but a job cannot be scheduled without a time: required
    // here so the 400 names `matchingMode.scheduleAt` instead of the job ending in scheduleFailed.
    z.object({ kind: z.literal('scheduleAndSuspend'), scheduleAt: timestampSchema }),
    z.object({ kind: z.literal('suspend') }),
  ]),
);
export type JobMatchingMode = z.infer<typeof jobMatchingModeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §4.4 / §4.5 selector attachments
// ---------------------------------------------------------------------------------------------------------------

/** Weights are fractions of 1: each in (0, 1], and together 1 (within rounding). */
function weightsSumToOne(allocations: readonly { weight: number }[], ctx: z.RefinementCtx): void {
  const total = allocations.reduce((sum, allocation) => sum + allocation.weight, 0);
  if (Math.abs(total - 1) > 1e-6) {
    ctx.addIssue({
      code: 'custom',
      path: ['allocations'],
      message: `weights must add up to 1 (they add up to ${total})`,
    });
  }
}

const weightSchema = z.number().gt(0).max(1);

export const queueSelectorAttachmentSchema = z.preprocess(
  normaliseKind(),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('static'), queueSelector: routerQueueSelectorSchema }),
    z.object({
      kind: z.literal('conditional'),
      condition: routerRuleSchema,
      queueSelectors: z.array(routerQueueSelectorSchema),
    }),
    z.object({
      kind: z.literal('passThrough'),
      key: z.string().min(1),
      labelOperator: routerQueueSelectorSchema.shape.labelOperator,
    }),
    z.object({ kind: z.literal('ruleEngine'), rule: routerRuleSchema }),
    z
      .object({
        kind: z.literal('weightedAllocation'),
        allocations: z
          .array(z.object({ weight: weightSchema, queueSelectors: z.array(routerQueueSelectorSchema) }))
          .min(1),
      })
      .superRefine((attachment, ctx) => weightsSumToOne(attachment.allocations, ctx)),
  ]),
);
export type QueueSelectorAttachment = z.infer<typeof queueSelectorAttachmentSchema>;

export const workerSelectorAttachmentSchema = z.preprocess(
  normaliseKind(),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('static'), workerSelector: routerWorkerSelectorInputSchema }),
    z.object({
      kind: z.literal('conditional'),
      condition: routerRuleSchema,
      workerSelectors: z.array(routerWorkerSelectorInputSchema),
    }),
    z.object({
      kind: z.literal('passThrough'),
      key: z.string().min(1),
      labelOperator: routerWorkerSelectorInputSchema.shape.labelOperator,
      expiresAfterSeconds: secondsSchema.optional(),
    }),
    z.object({ kind: z.literal('ruleEngine'), rule: routerRuleSchema }),
    z
      .object({
        kind: z.literal('weightedAllocation'),
        allocations: z
          .array(z.object({ weight: weightSchema, workerSelectors: z.array(routerWorkerSelectorInputSchema) }))
          .min(1),
      })
      .superRefine((attachment, ctx) => weightsSumToOne(attachment.allocations, ctx)),
  ]),
);
export type WorkerSelectorAttachment = z.infer<typeof workerSelectorAttachmentSchema>;

// ---------------------------------------------------------------------------------------------------------------
// §4.6 ExceptionTrigger, §4.7 ExceptionAction
// ---------------------------------------------------------------------------------------------------------------

export const exceptionTriggerSchema = z.preprocess(
  normaliseKind(),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('queueLength'), threshold: int32Schema.min(0) }),
    z.object({ kind: z.literal('waitTime'), thresholdSeconds: secondsSchema }),
  ]),
);
export type ExceptionTrigger = z.infer<typeof exceptionTriggerSchema>;

/**
 * The three action variants, parameterised by how `id` is validated: optional as a client writes it, required as
 * stored (the service generates a GUID when the client omits one, spec §3.4; the upsert fills it in before
 * validation, so the stored type says `id: string`).
 */
function exceptionActionUnion<Id extends z.ZodType>(id: Id) {
  return z.preprocess(
    normaliseKind(),
    z.discriminatedUnion('kind', [
      z.object({ id, kind: z.literal('cancel'), note: z.string().optional(), dispositionCode: z.string().optional() }),
      z.object({
        id,
        kind: z.literal('manualReclassify'),
        queueId: z.string().min(1).optional(),
        priority: prioritySchema.optional(),
        workerSelectors: z.array(routerWorkerSelectorInputSchema).optional(),
      }),
      z.object({
        id,
        kind: z.literal('reclassify'),
        classificationPolicyId: z.string().min(1).optional(),
        labelsToUpsert: labelsSchema.optional(),
      }),
    ]),
  );
}

export const exceptionActionSchema = exceptionActionUnion(z.string().min(1));
export type ExceptionAction = z.infer<typeof exceptionActionSchema>;
export const exceptionActionInputSchema = exceptionActionUnion(z.string().min(1).optional());
export type ExceptionActionInput = z.infer<typeof exceptionActionInputSchema>;
