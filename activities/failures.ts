import { ApplicationFailure } from '@temporalio/activity';
import type { ErrorCode } from '../domain/errors';

/**
 * A failure Temporal must not retry (bad input, not a transient fault), typed with a code of the one error table, so
 * the Web UI shows the same code a client sees over HTTP.
 */
export const nonRetryableFailure = (code: ErrorCode, message: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(message, code);
