/**
 * Replays the recorded bulkOperation histories (test/fixtures/histories, see test/support/record-histories.ts)
 * against the current workflow code: a change that would break running operations — another order of activities,
 * an added or removed step — fails here. No servers: replay runs in the Worker alone.
 */
import fs from 'node:fs';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { BULK_WORKFLOWS_PATH, installQuietRuntime } from '../support/bulk-workflow';
import { HISTORIES_DIR, readHistory } from '../support/record-histories';

const SCENARIOS = ['export', 'import-batches', 'import-cancelled', 'stage-rejected'];

/** What a history holds: activities scheduled (by type, in order), signals received, and how the run ended. */
function summary(history: temporal.api.history.v1.IHistory) {
  const events = history.events ?? [];
  return {
    activities: events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    completed: Boolean(events.at(-1)?.workflowExecutionCompletedEventAttributes),
  };
}

describe('bulkOperation replays its recorded histories', () => {
  beforeAll(installQuietRuntime);

  it('has one recorded history per scenario, each the run its name says', () => {
    expect(fs.readdirSync(HISTORIES_DIR).sort()).toEqual(SCENARIOS.map((scenario) => `${scenario}.json`));
    const save = 'saveOperationState';
    const apply = 'applyImportBatch';
    expect(summary(readHistory('import-batches'))).toEqual({
      activities: [save, 'stageImport', save, apply, save, apply, save, apply, save, 'deleteStagedBatches', save],
      signals: 0,
      completed: true,
    });
    expect(summary(readHistory('import-cancelled'))).toEqual({
      activities: [save, 'stageImport', save, apply, save, 'deleteStagedBatches', save],
      signals: 1,
      completed: true,
    });
    expect(summary(readHistory('export'))).toEqual({
      activities: [save, 'exportObjects', save],
      signals: 0,
      completed: true,
    });
    expect(summary(readHistory('stage-rejected'))).toEqual({
      activities: [save, 'stageImport', 'deleteStagedBatches', save],
      signals: 0,
      completed: true,
    });
  });

  it('replays every recorded history against the current workflow code', async () => {
    const histories = SCENARIOS.map((scenario) => ({ workflowId: scenario, history: readHistory(scenario) }));
    const results: { workflowId: string; error: unknown }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: BULK_WORKFLOWS_PATH }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error });
    }
    expect(results).toEqual(SCENARIOS.map((workflowId) => ({ workflowId, error: undefined })));
  });

  it('fails against workflow code that calls the same activities in another order', async () => {
    const reordered = require.resolve('./reordered-bulk-operation');
    await expect(Worker.runReplayHistory({ workflowsPath: reordered }, readHistory('export'))).rejects.toThrow(
      DeterminismViolationError,
    );
  });
});
