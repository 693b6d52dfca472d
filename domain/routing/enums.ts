import { z } from 'zod';

/**
 * Enumerations of spec §5, and the spelling rule shared with the discriminators of §4: camelCase is the only output
 * form; kebab-case (what the service accepted and returned in early November 2023, and what older clients still
 * send) is accepted on input and normalised.
 */

/** `longest-idle` → `longestIdle`; anything else (camelCase, numbers, objects) is returned unchanged. */
export function kebabToCamel(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('-')) return value;
  return value.replace(/-+([a-zA-Z0-9])/g, (_match, next: string) => next.toUpperCase());
}

/**
 * A closed string enum that accepts the kebab-case alias of each value. The spec calls every enum extensible
 * ("modelAsString"); ccflow still rejects unknown values with a 400 naming the field, because a value it does not
 * know would silently be ignored by matching.
 */
export function routerEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(kebabToCamel, z.enum(values));
}

export const ROUTER_JOB_STATUSES = [
  'pendingClassification',
  'queued',
  'assigned',
  'completed',
  'closed',
  'cancelled',
  'classificationFailed',
  'created',
  'pendingSchedule',
  'scheduled',
  'scheduleFailed',
  'waitingForActivation',
] as const;
export const routerJobStatusSchema = routerEnum(ROUTER_JOB_STATUSES);
export type RouterJobStatus = (typeof ROUTER_JOB_STATUSES)[number];

/** §5.2: `active` is every status except closed, cancelled and created. */
export const ACTIVE_JOB_STATUSES: readonly RouterJobStatus[] = ROUTER_JOB_STATUSES.filter(
  (status) => status !== 'closed' && status !== 'cancelled' && status !== 'created',
);
export const routerJobStatusSelectorSchema = routerEnum([...ROUTER_JOB_STATUSES, 'all', 'active']);
export type RouterJobStatusSelector = z.infer<typeof routerJobStatusSelectorSchema>;

export const ROUTER_WORKER_STATES = ['active', 'draining', 'inactive'] as const;
export const routerWorkerStateSchema = routerEnum(ROUTER_WORKER_STATES);
export type RouterWorkerState = (typeof ROUTER_WORKER_STATES)[number];
export const routerWorkerStateSelectorSchema = routerEnum([...ROUTER_WORKER_STATES, 'all']);
export type RouterWorkerStateSelector = z.infer<typeof routerWorkerStateSelectorSchema>;

export const routerWorkerSelectorStatusSchema = routerEnum(['active', 'expired']);
export type RouterWorkerSelectorStatus = z.infer<typeof routerWorkerSelectorStatusSchema>;

export const LABEL_OPERATORS = [
  'equal',
  'notEqual',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
] as const;
export const labelOperatorSchema = routerEnum(LABEL_OPERATORS);
export type LabelOperator = (typeof LABEL_OPERATORS)[number];

export const expressionRouterRuleLanguageSchema = routerEnum(['powerFx']);

export const scoringRuleParameterSelectorSchema = routerEnum(['jobLabels', 'workerSelectors']);
export type ScoringRuleParameterSelector = z.infer<typeof scoringRuleParameterSelectorSchema>;
