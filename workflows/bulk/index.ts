/** The bulk capability's workflow bundle entry: the workflow types its Worker registers. */
export { bulkOperation } from './operation';
export { bulkRetentionPurge, bulkStorageSweep } from './retention';
