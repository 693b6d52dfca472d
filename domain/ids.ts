/** Every workflow id, schedule id and task queue name is built here, so each one has exactly one spelling. */

import type { Capability } from './capabilities';

/** Task queues, one per capability; a prefix isolates parallel test runs sharing one Temporal server. */
export function taskQueue(capability: Capability, prefix = ''): string {
  return `${prefix}${capability}`;
}

export const bulkOperationWorkflowId = (tenantId: string): string => `bulk/${tenantId}`;
export const routerJobWorkflowId = (tenantId: string, jobId: string): string => `router-job/${tenantId}/${jobId}`;
export const outboundJobWorkflowId = (tenantId: string, jobId: string): string => `outbound-job/${tenantId}/${jobId}`;
/** The per-instance semaphore that caps an outbound instance's attempts in flight (MaxConcurrentConversation). */
export const outboundSlotsWorkflowId = (tenantId: string, instanceId: string): string =>
  `outbound-slots/${tenantId}/${instanceId}`;
export const assignJobsAsyncWorkflowId = (tenantId: string, asyncTaskId: string): string =>
  `outbound-assign/${tenantId}/${asyncTaskId}`;
/** The router queue (and its distribution policy) ccflow keeps for an outbound instance's attempts. */
export const outboundQueueId = (instanceId: string): string => `outbound-${instanceId}`;
/**
 * A task (one call attempt) is named after its job and its attempt number, so an outcome posted for a task reaches
 * its job's workflow without a lookup. The attempt is also the router job's id.
 */
export const outboundTaskId = (jobId: string, attempt: number): string => `${jobId}.${attempt}`;
/** The job id inside a task id of outboundTaskId, or undefined when it is not one. */
export function jobIdOfTask(taskId: string): string | undefined {
  const match = /^(.+)\.(\d+)$/.exec(taskId);
  return match?.[1];
}
export const pingWorkflowId = (tenantId: string, pingId: string): string => `ping/${tenantId}/${pingId}`;

export const bulkRetentionScheduleId = (prefix = ''): string => `${prefix}bulk-retention-purge`;
export const bulkRetentionWorkflowId = (prefix = ''): string => `${prefix}bulk-retention-purge`;
export const bulkStorageSweepScheduleId = (prefix = ''): string => `${prefix}bulk-storage-sweep`;
export const bulkStorageSweepWorkflowId = (prefix = ''): string => `${prefix}bulk-storage-sweep`;
/** The per-tenant router: owns workers, their capacity and offers, and matches waiting jobs to them. */
export const tenantRouterWorkflowId = (tenantId: string): string => `router/${tenantId}`;

/**
 * An offer id carries its job's id (after a random part), so accept and decline — whose URL names only the worker
 * and the offer — reach the job's workflow directly, whatever the worker's read model shows at that moment. The job
 * id is escaped to `[A-Za-z0-9-]` plus `_xxxx` (a UTF-16 code unit in hex), which keeps the id URL-safe and opaque.
 */
export function routerOfferId(jobId: string, random: string): string {
  let escaped = '';
  for (const char of jobId) {
    if (/^[A-Za-z0-9-]$/.test(char)) escaped += char;
    else for (let i = 0; i < char.length; i++) escaped += `_${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return `${random}.${escaped}`;
}

/** The job id inside an offer id of routerOfferId, or undefined when it is not one. */
export function jobIdOfOffer(offerId: string): string | undefined {
  const dot = offerId.indexOf('.');
  if (dot < 0) return undefined;
  const escaped = offerId.slice(dot + 1);
  if (!/^(?:[A-Za-z0-9-]|_[0-9a-f]{4})+$/.test(escaped)) return undefined;
  return escaped.replace(/_([0-9a-f]{4})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
