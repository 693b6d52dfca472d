import { z } from 'zod';
import { labelOperatorSchema, routerWorkerSelectorStatusSchema } from './enums';
import { normaliseTimestamp } from './wire';

/** Building blocks shared by the models: primitive values, labels, timestamps, numbers, selectors (spec §3.8). */

const PRIMITIVE_MESSAGE = 'must be a string, number or boolean';

/** A label, tag or selector value: primitives only (the service answers 400 for anything else, spec §3). */
export const primitiveValueSchema = z.union([z.string(), z.number(), z.boolean()], { error: PRIMITIVE_MESSAGE });
export type PrimitiveValue = z.infer<typeof primitiveValueSchema>;

/** Labels and tags: `Record<string, primitive>`. Absent is `{}` (collections are always present, spec §1). */
export const labelsSchema = z.record(z.string(), primitiveValueSchema);
export type Labels = z.infer<typeof labelsSchema>;

/** Any ISO 8601 date-time in, the 7-digit `+00:00` wire form out (stored normalised, so ETags compare equal). */
export const timestampSchema = z.string().transform((text, ctx) => {
  const normalised = normaliseTimestamp(text);
  if (normalised === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date-time, e.g. 2026-11-29T21:05:00.000+00:00' });
    return z.NEVER;
  }
  return normalised;
});

/** int32 as the spec types it; JSON numbers beyond it would be truncated by every other client. */
export const int32Schema = z.number().int().min(-2147483648).max(2147483647);
/** A duration in seconds (`…Seconds` numbers, never ISO 8601 durations, spec §9). */
export const secondsSchema = z.number().nonnegative();

/** Job priority: −100..100 [TSP]; default 1 is applied by the job schema. */
export const prioritySchema = z.number().int().min(-100).max(100);

/** `RouterQueueSelector`: evaluated against queue labels. */
export const routerQueueSelectorSchema = z.object({
  key: z.string(),
  labelOperator: labelOperatorSchema,
  value: primitiveValueSchema.optional(),
});
export type RouterQueueSelector = z.infer<typeof routerQueueSelectorSchema>;

/**
 * `RouterWorkerSelector` as a client writes it (requested selectors, classification attachments, manual
 * reclassification): no `status` / `expiresAt`, which are server-computed and stripped when sent.
 */
export const routerWorkerSelectorInputSchema = z.object({
  key: z.string(),
  labelOperator: labelOperatorSchema,
  value: primitiveValueSchema.optional(),
  expiresAfterSeconds: secondsSchema.optional(),
  expedite: z.boolean().optional(),
});
export type RouterWorkerSelectorInput = z.infer<typeof routerWorkerSelectorInputSchema>;

/** `RouterWorkerSelector` as stored on a job: the input plus the server's `status` and `expiresAt`. */
export const routerWorkerSelectorSchema = routerWorkerSelectorInputSchema.extend({
  status: routerWorkerSelectorStatusSchema.optional(),
  expiresAt: timestampSchema.optional(),
});
export type RouterWorkerSelector = z.infer<typeof routerWorkerSelectorSchema>;
