import type { RequestHandler } from 'express';
import { ServiceError } from '../../domain/errors';

/** Azure REST APIs require `api-version` on every operation; ccflow serves exactly one version per protocol. */
export function requireApiVersion(version: string): RequestHandler {
  return (req, _res, next) => {
    const given = req.query['api-version'];
    if (given === undefined || given === '') {
      return next(
        new ServiceError(
          'missingApiVersion',
          `The api-version query parameter is required; use api-version=${version}.`,
        ),
      );
    }
    if (given !== version) {
      return next(
        new ServiceError(
          'unsupportedApiVersion',
          `api-version ${String(given)} is not supported; the supported version is ${version}.`,
        ),
      );
    }
    next();
  };
}
