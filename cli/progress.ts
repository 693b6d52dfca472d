/**
 * Progress display while the CLI waits for a bulk operation: a cli-progress bar on a terminal, otherwise (pipes,
 * CI logs, files) one plain line per status change.
 */
import { SingleBar } from 'cli-progress';
import type { OperationView } from './api-client';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressReporter {
  update(operation: OperationView): void;
  /** Removes the bar (if any) so that the summary starts on a clean line. */
  stop(): void;
}

export const TERMINAL_STATUSES = ['completed', 'completedWithErrors', 'failed'] as const;

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export function describeProgress(operation: OperationView): string {
  const { processed, total, percent } = operation.progress;
  return total > 0 ? `${processed}/${total} rows (${percent}%)` : 'counting rows';
}

/** Plain lines: `inProgress: 40/100 rows (40%)`, written only when the status changes. */
function lineReporter(stream: OutputStream): ProgressReporter {
  let lastStatus: string | undefined;
  return {
    update(operation) {
      if (operation.status === lastStatus) return;
      lastStatus = operation.status;
      const detail = isTerminal(operation.status) ? '' : `: ${describeProgress(operation)}`;
      stream.write(`${operation.status}${detail}\n`);
    },
    stop() {},
  };
}

function barReporter(stream: OutputStream & NodeJS.WritableStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: '{status} [{bar}] {percentage}% | {value}/{total} rows',
    // The cursor stays visible: a hidden one would stay hidden after Ctrl-C.
    hideCursor: false,
    clearOnComplete: true,
    barsize: 30,
  });
  let started = false;
  return {
    update(operation) {
      // Before the file is staged the total is unknown (0); keep the bar at 0 of 1 until it is.
      const total = Math.max(operation.progress.total, 1);
      const payload = { status: operation.status.padEnd(19) };
      if (!started) {
        bar.start(total, operation.progress.processed, payload);
        started = true;
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(operation.progress.processed, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function createProgressReporter(stream: OutputStream): ProgressReporter {
  return stream.isTTY === true && isWritable(stream) ? barReporter(stream) : lineReporter(stream);
}

function isWritable(stream: OutputStream): stream is OutputStream & NodeJS.WritableStream {
  return typeof (stream as Partial<NodeJS.WritableStream>).on === 'function';
}
