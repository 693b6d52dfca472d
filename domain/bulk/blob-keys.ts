/** Blob keys of an operation's files; one function per file so every layer spells them the same way. */
export const bulkBlobKeys = {
  prefix: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}`,
  upload: (tenantId: string, operationId: string, extension: 'csv' | 'zip') =>
    `tenants/${tenantId}/bulk/${operationId}/upload.${extension}`,
  errors: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}/errors.csv`,
  result: (tenantId: string, operationId: string, extension: 'csv' | 'zip') =>
    `tenants/${tenantId}/bulk/${operationId}/result.${extension}`,
  staged: (tenantId: string, operationId: string) => `tenants/${tenantId}/bulk/${operationId}/staged`,
  stagedBatch: (tenantId: string, operationId: string, batch: number) =>
    `tenants/${tenantId}/bulk/${operationId}/staged/batch-${String(batch).padStart(4, '0')}.ndjson`,
  audio: (tenantId: string, name: string) => `tenants/${tenantId}/audio/${encodeURIComponent(name)}`,
};
