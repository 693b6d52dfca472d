import type { z } from 'zod';
import { ServiceError } from '../errors';

/**
 * Validation problems of the router models, in the shape every envelope already renders: `errors: [{field, message}]`
 * in a ServiceError's extensions (the Azure envelope turns them into `error.details[]` with `target` = the field).
 * The code is `validationFailed` (HTTP 400, `BadRequest` on the Azure wire, spec §8).
 */

export interface FieldProblem {
  /** Dotted path in the resource (`mode.minConcurrentOffers`, `labels.tier`, `channels.0.channelId`); '' = body. */
  field: string;
  message: string;
}

export interface RouterValidationError {
  code: 'validationFailed';
  message: string;
  errors: FieldProblem[];
}

/** Zod's default wording, minus its "Invalid input: " prefix, and "is required" for a missing member. */
function describe(issue: z.core.$ZodIssue): string {
  // Parsed with `reportInput`, so a missing member can be told from a wrong one.
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_union' && issue.discriminator !== undefined && 'options' in issue) {
    const options = (issue.options ?? []).map(String).join(', ');
    // zod reports the whole object as the input of a discriminator issue.
    const input: unknown = issue.input;
    const given =
      typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[issue.discriminator] : input;
    return given === undefined ? `is required (one of ${options})` : `must be one of ${options}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: describe(issue) }));
}

export function validationError(resource: string, errors: FieldProblem[]): RouterValidationError {
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  return { code: 'validationFailed', message: `Invalid ${resource}: ${summary}`, errors };
}

/** The ServiceError an API handler throws for a validation error (400, field problems as `details`). */
export function toServiceError(error: RouterValidationError): ServiceError {
  return new ServiceError(error.code, error.message, { errors: error.errors });
}
