/**
 * The one table of error codes. A code is what ccflow means; each wire protocol renders it its own way:
 * the native API as problem+json `code`, the Azure Job Router API as `error.code` + `x-ms-error-code`, the Alibaba
 * RPC API as `Code`. Activities use the same codes as their non-retryable ApplicationFailure `type`, so an operator
 * reading a failure in the Temporal Web UI sees the code a client sees over HTTP.
 *
 * `azure` / `alibaba` name the code on those wires when it differs from the PascalCase of the key.
 */
interface ErrorCodeSpec {
  status: number;
  azure?: string;
  alibaba?: string;
}

export const ERROR_CODES = {
  // Every protocol
  badRequest: { status: 400, alibaba: 'InvalidParameter' },
  validationFailed: { status: 400, azure: 'BadRequest', alibaba: 'InvalidParameter' },
  missingParameter: { status: 400, azure: 'BadRequest' },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  notFound: { status: 404 },
  conflict: { status: 409 },
  preconditionFailed: { status: 412 },
  payloadTooLarge: { status: 413, azure: 'RequestEntityTooLarge' },
  unsupportedMediaType: { status: 415 },
  internal: { status: 500, azure: 'InternalServerError', alibaba: 'InternalError' },
  notReady: { status: 503, azure: 'ServiceUnavailable', alibaba: 'ServiceUnavailable' },

  // Bulk configuration
  operationActive: { status: 409 },
  notRetryable: { status: 409 },
  notCancellable: { status: 409 },
  exportNotSupported: { status: 400 },
  templateNotAvailable: { status: 400 },

  // Azure Job Router wire protocol
  missingApiVersion: { status: 400, azure: 'MissingApiVersionParameter' },
  unsupportedApiVersion: { status: 400, azure: 'UnsupportedApiVersion' },

  // Alibaba RPC wire protocol (platform-level codes)
  invalidAction: { status: 404, alibaba: 'InvalidAction.NotFound' },
  invalidVersion: { status: 400, alibaba: 'InvalidVersion' },
  missingSignature: { status: 400, alibaba: 'MissingParameter' },
  invalidAccessKeyId: { status: 404, alibaba: 'InvalidAccessKeyId.NotFound' },
  signatureDoesNotMatch: { status: 400, alibaba: 'SignatureDoesNotMatch' },
  signatureNonceUsed: { status: 400, alibaba: 'SignatureNonceUsed' },
  invalidTimestamp: { status: 400, alibaba: 'InvalidTimeStamp.Expired' },

  // Outbound jobs (OutboundBot §3)
  instanceNotFound: { status: 404, alibaba: 'NotExist.Instance' },
  jobGroupNotFound: { status: 404, alibaba: 'NotExist.JobGroup' },
  jobNotFound: { status: 404, alibaba: 'NotExist.Job' },
  concurrentConversationLimit: { status: 400, alibaba: 'LimitExceeded.ConcurrentConversation' },
  instanceNameDuplicated: { status: 400, alibaba: 'InvalidInstanceName.Duplicated' },
  taskNotFound: { status: 404, alibaba: 'NotExist.Task' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (value: string): value is ErrorCode => Object.hasOwn(ERROR_CODES, value);

const pascal = (code: string): string => code.charAt(0).toUpperCase() + code.slice(1);

/** How each wire protocol spells a code. */
export const wireCode = {
  native: (code: ErrorCode): string => code,
  azure: (code: ErrorCode): string => (ERROR_CODES[code] as ErrorCodeSpec).azure ?? pascal(code),
  alibaba: (code: ErrorCode): string => (ERROR_CODES[code] as ErrorCodeSpec).alibaba ?? pascal(code),
};

/**
 * An error with a meaning for clients: its code (and so its HTTP status) comes from the table; the message says
 * what was wrong and where; extensions (field errors, the active operation, limits) travel with it.
 */
export class ServiceError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}
