import { z } from 'zod';

/** The system ping: the smallest real path through every layer (API → Temporal → worker → MongoDB → API). */
export const pingRequestSchema = z.object({
  message: z.string().min(1).max(200),
  delaySeconds: z.number().int().min(0).max(3600).default(0),
});
export type PingRequest = z.infer<typeof pingRequestSchema>;

export const pingWorkflowInputSchema = pingRequestSchema.extend({
  tenantId: z.string().min(1),
  pingId: z.string().min(1),
});
export type PingWorkflowInput = z.infer<typeof pingWorkflowInputSchema>;

export const pingViewSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'recorded']),
  message: z.string(),
  recordedAt: z.string().optional(),
  workflowId: z.string(),
});
export type PingView = z.infer<typeof pingViewSchema>;
