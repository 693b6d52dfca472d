import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { type BulkWorkflowInput, cancelOperationSignal, operationStateQuery } from '../../domain/bulk/messages';
import { type OperationState } from '../../domain/bulk/status';
import { ServiceError } from '../../domain/errors';
import { bulkOperationWorkflowId, taskQueue } from '../../domain/ids';
import {
  CapabilityAttribute,
  ObjectTypeAttribute,
  OperationIdAttribute,
  OperationKindAttribute,
  StatusAttribute,
  TenantIdAttribute,
} from '../../domain/search-attributes';
import type { bulkOperation } from '../../workflows/bulk/operation';

/** Client-side helpers for the per-tenant bulk workflow (dust-tt style: every id built in domain/ids). */

async function runningOperationId(client: Client, tenantId: string): Promise<string | undefined> {
  try {
    const description = await client.workflow.getHandle(bulkOperationWorkflowId(tenantId)).describe();
    if (description.status.name !== 'RUNNING') return undefined;
    const id = description.memo?.operationId;
    return typeof id === 'string' ? id : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

function activeOperationConflict(activeOperationId: string | undefined): ServiceError {
  return new ServiceError(
    'operationActive',
    `Another bulk operation (${activeOperationId ?? 'unknown'}) is still running for this tenant; only one may be active at a time. Wait for it to end or cancel it.`,
    { activeOperationId, links: activeOperationId ? { active: `/v1/bulk/operations/${activeOperationId}` } : {} },
  );
}

/** Refuses early (before an upload is stored) when an operation is still active (not merely closing). */
export async function assertNoActiveOperation(
  client: Client,
  tenantId: string,
  hasEnded: (operationId: string) => Promise<boolean>,
): Promise<void> {
  const active = await runningOperationId(client, tenantId);
  if (active && !(await hasEnded(active))) throw activeOperationConflict(active);
}

/**
 * Starts the tenant's bulk workflow. Workflow id `bulk/{tenant}` with conflict policy FAIL makes Temporal itself
 * the arbiter of "one active operation per tenant", race-free across API replicas.
 */
export async function startBulkOperation(
  client: Client,
  prefix: string,
  input: BulkWorkflowInput,
  hasEnded: (operationId: string) => Promise<boolean>,
): Promise<void> {
  try {
    await startWorkflow(client, prefix, input);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const active = await runningOperationId(client, input.tenantId);
    // The previous operation has written its final state and its workflow is closing (or has closed since the
    // first attempt): wait for it to close, then start once more.
    if (!active || (await hasEnded(active))) {
      if (active) {
        await Promise.race([
          client.workflow
            .getHandle(bulkOperationWorkflowId(input.tenantId))
            .result()
            .catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 5000)),
        ]);
      }
      try {
        await startWorkflow(client, prefix, input);
        return;
      } catch (retryError) {
        if (!(retryError instanceof WorkflowExecutionAlreadyStartedError)) throw retryError;
      }
    }
    throw activeOperationConflict(await runningOperationId(client, input.tenantId));
  }
}

async function startWorkflow(client: Client, prefix: string, input: BulkWorkflowInput): Promise<void> {
  await client.workflow.start<typeof bulkOperation>('bulkOperation', {
    workflowId: bulkOperationWorkflowId(input.tenantId),
    taskQueue: taskQueue('bulk', prefix),
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    memo: {
      operationId: input.operationId,
      kind: input.kind,
      objectType: input.objectType,
      fileName: input.fileName,
    },
    typedSearchAttributes: [
      { key: TenantIdAttribute, value: input.tenantId },
      { key: CapabilityAttribute, value: 'bulk' },
      { key: ObjectTypeAttribute, value: input.objectType },
      { key: OperationKindAttribute, value: input.kind },
      { key: StatusAttribute, value: 'new' },
      { key: OperationIdAttribute, value: input.operationId },
    ],
  });
}

/** Live state from the running workflow, when `operationId` is the tenant's running operation. */
export async function liveOperationState(
  client: Client,
  tenantId: string,
  operationId: string,
): Promise<OperationState | undefined> {
  if ((await runningOperationId(client, tenantId)) !== operationId) return undefined;
  try {
    return await client.workflow.getHandle(bulkOperationWorkflowId(tenantId)).query(operationStateQuery);
  } catch {
    return undefined; // ended between describe and query: the read model has the final state
  }
}

export async function requestCancel(
  client: Client,
  tenantId: string,
  operationId: string,
  requestedBy: string,
): Promise<boolean> {
  if ((await runningOperationId(client, tenantId)) !== operationId) return false;
  await client.workflow.getHandle(bulkOperationWorkflowId(tenantId)).signal(cancelOperationSignal, {
    operationId,
    requestedBy,
  });
  return true;
}
