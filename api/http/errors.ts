import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ServiceError } from '../../domain/errors';
import type { ErrorEnvelope } from './envelopes/envelope';

/**
 * Turns anything thrown while serving a request into a ServiceError: our own errors pass through; body-parser and
 * URL-decoding failures are the client's (400 / 413 / 415); anything else is logged and hidden behind a 500.
 */
export function toServiceError(error: unknown, req: Request): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof URIError || isDecodeParamError(error)) {
    return new ServiceError('badRequest', `The request path is not valid percent-encoding: ${req.originalUrl}`);
  }
  if (isHttpError(error) && typeof error.type === 'string') {
    if (error.type === 'entity.too.large') {
      return new ServiceError('payloadTooLarge', `Request body could not be read: ${error.message}`);
    }
    if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      return new ServiceError('unsupportedMediaType', `Request body could not be read: ${error.message}`);
    }
    return new ServiceError('badRequest', `Request body could not be read: ${error.message}`);
  }
  req.log.error({ err: error }, 'unhandled error');
  return new ServiceError('internal', 'An unexpected error occurred; see the server log for requestId.');
}

/** How long a client may keep sending a body we refused before its connection is cut. */
const UNREAD_BODY_GRACE_MS = 5000;

/**
 * An error answered before the request body was read to its end (an upload over its limit, a refused credential):
 * the response says `Connection: close`, what still arrives is discarded so the client can read the answer, and
 * the socket is destroyed if the client keeps sending after the grace period. No socket is held with unread bytes.
 */
function closeAfterUnreadBody(req: Request, res: Response): void {
  if (req.complete || req.readableEnded) return;
  res.setHeader('Connection', 'close');
  req.unpipe();
  req.resume();
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), UNREAD_BODY_GRACE_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.socket.once('close', () => clearTimeout(timer));
  });
}

/** The error handler of a route group: every error leaves in the group's envelope. */
export function errorHandlerFor(envelope: ErrorEnvelope) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    closeAfterUnreadBody(req, res);
    envelope.send(req, res, toServiceError(error, req));
  };
}

/** The last handler of a route group: a path it owns but no route serves. */
export function notFoundFor(envelope: ErrorEnvelope): RequestHandler {
  return (req, res) =>
    envelope.send(req, res, new ServiceError('notFound', `No route for ${req.method} ${req.baseUrl}${req.path}`));
}

function isHttpError(error: unknown): error is Error & { type?: unknown; status: number } {
  return error instanceof Error && 'status' in error && typeof error.status === 'number';
}

/** Express 5's router reports an undecodable path parameter as a 400 "Failed to decode param". */
function isDecodeParamError(error: unknown): boolean {
  return isHttpError(error) && error.status === 400 && /decode param/i.test(error.message);
}
