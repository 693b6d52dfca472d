import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable machine-readable error code'),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
  })
  .catchall(z.unknown());
