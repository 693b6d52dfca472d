/** Limits from the Webex Contact Center bulk-operations documentation (seeds 000/001). */
export const BULK_LIMITS = {
  maxRowsPerCsv: 5000,
  maxCsvBytes: 5 * 1024 * 1024,
  maxAudioZipBytes: 50 * 1024 * 1024,
  maxCsvZipBytes: 50 * 1024 * 1024,
  maxZipEntries: 1000,
  maxAudioZipEntries: 5000,
  maxUncompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 100,
  exportRowsPerFile: 5000,
  importBatchSize: 1000,
  audioBatchSize: 100,
} as const;
