import { wireCode } from '../../../domain/errors';
import type { ErrorEnvelope } from './envelope';

/**
 * The Azure REST error shape (Azure.Core ErrorResponse): `{"error":{"code","message","target?","details?"}}` plus
 * the `x-ms-error-code` header, which azure-core reads to build its exceptions. Field errors become `details`.
 */
export const azureEnvelope: ErrorEnvelope = {
  name: 'azure',
  send(req, res, error) {
    const code = wireCode.azure(error.code);
    const fieldErrors = Array.isArray(error.extensions.errors) ? (error.extensions.errors as FieldError[]) : [];
    const target = typeof error.extensions.target === 'string' ? error.extensions.target : undefined;
    res
      .status(error.status)
      .setHeader('x-ms-error-code', code)
      .setHeader('x-ms-request-id', String(req.id))
      .json({
        error: {
          code,
          message: error.message,
          ...(target ? { target } : {}),
          ...(fieldErrors.length > 0
            ? {
                details: fieldErrors.map((field) => ({
                  code,
                  message: field.message,
                  ...(field.field ? { target: field.field } : {}),
                })),
              }
            : {}),
        },
      });
  },
};

interface FieldError {
  field?: string;
  message: string;
}
