import type { Request, Response } from 'express';
import type { ServiceError } from '../../../domain/errors';

/**
 * How one wire protocol writes an error. Every route group has one; all of them render the same ServiceError
 * (code from domain/errors.ts, message, extensions), so a code means the same thing on every protocol.
 */
export interface ErrorEnvelope {
  /** Names the protocol in logs and docs. */
  name: string;
  send(req: Request, res: Response, error: ServiceError): void;
}
