/**
 * Stable error codes shared by the API (problem+json `code`) and activities (ApplicationFailure `type`).
 * An operator reading a failure in the Temporal Web UI sees the same code a client sees over HTTP.
 */
export const ERROR_CODES = {
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  validationFailed: 400,
  badRequest: 400,
  conflict: 409,
  operationActive: 409,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  preconditionFailed: 412,
  notReady: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error with an HTTP-facing meaning; extensions are merged into the problem document. */
export class ProblemError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    status?: number,
  ) {
    super(message);
    this.status = status ?? (code in ERROR_CODES ? ERROR_CODES[code as ErrorCode] : 400);
  }
}
