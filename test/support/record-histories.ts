/**
 * Recorded bulkOperation histories (test/fixtures/histories/<scenario>.json), replayed by
 * test/workflows/bulk-operation-replay.test.ts so that a change which breaks determinism fails the tests.
 *
 * They are recorded by the workflow tests (test/integration/workflows/bulk-operation.test.ts) when
 * CCFLOW_RECORD_HISTORIES=1, so every recorded history is one whose behaviour a test asserted. Re-record only on
 * purpose (a deliberate change of the command sequence, made safe for running workflows with `patched()`):
 *
 *     npx tsx test/support/record-histories.ts
 *
 * which runs those tests through jest (its global setup starts the Temporal server) with the variable set.
 *
 * The files hold the History message in protobufjs' JSON form (enums by name, 64-bit integers and bytes as strings),
 * written and read with @temporalio/proto's own History type. The SDK's historyToJSON/historyFromJSON
 * (@temporalio/common/lib/proto-utils, not exported publicly) throw "type must be a Type" in this install: npm
 * gives @temporalio/proto and @temporalio/common separate copies of protobufjs 8 (the top-level slot holds the
 * protobufjs 7 of @grpc/proto-loader), and their protojson check is an `instanceof` across the two copies.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { BulkOperationHandle, RecordedScenario } from './bulk-workflow';

const { History } = temporal.api.history.v1;

const repoRoot = path.resolve(__dirname, '../..');
export const HISTORIES_DIR = path.join(repoRoot, 'test/fixtures/histories');
export const historyFile = (scenario: string): string => path.join(HISTORIES_DIR, `${scenario}.json`);

export const recordingHistories = (): boolean => process.env.CCFLOW_RECORD_HISTORIES === '1';

/** A recorded history, as `Worker.runReplayHistory` takes it. */
export function readHistory(scenario: string): temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(fs.readFileSync(historyFile(scenario), 'utf8')));
}

/** Saves the (closed) workflow's history as the scenario's fixture, when recording; otherwise does nothing. */
export async function recordHistory(scenario: RecordedScenario, handle: BulkOperationHandle): Promise<void> {
  if (!recordingHistories()) return;
  const history = History.create(await handle.fetchHistory());
  const json = History.toObject(history, { longs: String, enums: String, bytes: String });
  const file = historyFile(scenario);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  // Formatted as `prettier --check` wants it (its CLI: prettier's API loads ES modules, which jest cannot).
  execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', '--log-level=warn', file], {
    cwd: repoRoot,
  });
}

if (require.main === module) {
  execFileSync('npx', ['jest', 'test/integration/workflows/bulk-operation.test.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, CCFLOW_RECORD_HISTORIES: '1' },
  });
  process.stdout.write(`recorded: ${fs.readdirSync(HISTORIES_DIR).sort().join(', ')}\n`);
}
