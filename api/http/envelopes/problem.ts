import { STATUS_CODES } from 'node:http';
import { wireCode } from '../../../domain/errors';
import type { ErrorEnvelope } from './envelope';

const PROBLEM_TYPE_BASE = 'https://ccflow.dev/problems/';

/** The native API's errors: RFC 9457 problem details with a stable `code` and the request id. */
export const problemEnvelope: ErrorEnvelope = {
  name: 'problem+json',
  send(req, res, error) {
    const code = wireCode.native(error.code);
    res
      .status(error.status)
      .type('application/problem+json')
      .json({
        type: `${PROBLEM_TYPE_BASE}${code}`,
        title: STATUS_CODES[error.status] ?? 'Error',
        status: error.status,
        code,
        detail: error.message,
        instance: req.originalUrl,
        requestId: req.id,
        ...error.extensions,
      });
  },
};
