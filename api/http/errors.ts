import type { NextFunction, Request, Response } from 'express';
import { ServiceError } from '../../domain/errors';

const PROBLEM_TYPE_BASE = 'https://ccflow.dev/problems/';

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Content Too Large',
    415: 'Unsupported Media Type',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Internal Server Error';
}

export function sendProblem(req: Request, res: Response, error: ServiceError): void {
  res
    .status(error.status)
    .type('application/problem+json')
    .json({
      type: `${PROBLEM_TYPE_BASE}${error.code}`,
      title: titleFor(error.status),
      status: error.status,
      code: error.code,
      detail: error.message,
      instance: req.originalUrl,
      requestId: req.id,
      ...error.extensions,
    });
}

/** Maps any thrown error to RFC 9457 problem details; unknown errors are logged and hidden behind a 500. */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof ServiceError) return sendProblem(req, res, error);
  if (isBodyParserError(error)) {
    const code = error.type === 'entity.too.large' ? 'payloadTooLarge' : 'badRequest';
    return sendProblem(req, res, new ServiceError(code, `Request body could not be read: ${error.message}`));
  }
  req.log.error({ err: error }, 'unhandled error');
  sendProblem(
    req,
    res,
    new ServiceError('internal', 'An unexpected error occurred; see the server log for requestId.'),
  );
}

export function notFoundHandler(req: Request, res: Response): void {
  sendProblem(req, res, new ServiceError('notFound', `No route for ${req.method} ${req.path}`));
}

function isBodyParserError(error: unknown): error is Error & { type: string; status: number } {
  return error instanceof Error && 'type' in error && typeof error.type === 'string' && 'status' in error;
}
