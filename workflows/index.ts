/** The workflow bundle's entry point: every workflow type the workers register. */
export { systemPing } from './system-ping';
export { bulkOperation } from './bulk-operation';
export { bulkRetentionPurge } from './bulk-retention';
