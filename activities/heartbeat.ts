import { AsyncLocalStorage } from 'node:async_hooks';
import { pipeline, type Readable, Transform } from 'node:stream';
import { Context } from '@temporalio/activity';
import type { BlobStore } from '../storage/blob-store';

/**
 * Heartbeats for long activities, on a timer independent of the work, and the cancellation they bring back.
 *
 * Why a timer: an activity that heartbeats "every N rows" is silent while one slow database statement runs, and on a
 * loaded store (ten imports at once on FerretDB) that silence outlasted the 30 s heartbeat timeout: every attempt
 * timed out and was retried while the abandoned attempts kept working. The timer heartbeats every few seconds
 * whatever the work is doing (it only needs the event loop, which is free while a statement is awaited), carrying the
 * latest progress the work reported. The SDK throttles what reaches the server (80 % of the heartbeat timeout).
 *
 * Why cancellation: Temporal tells an attempt it is no longer wanted (the server gave up on it after a heartbeat
 * timeout, the workflow closed, the worker shuts down) only in the answer to a heartbeat, as the context's
 * AbortSignal. Work loops call `check()` before every database statement and before every write; blob writes go
 * through `blobs()`, which refuses to start a write once cancelled and aborts a streamed write that is under way, so
 * no partial or late file is renamed into place. An abandoned attempt therefore stops at its next statement instead
 * of running to the end, and writes nothing after the workflow has moved on (bounded by the SDK's heartbeat throttle:
 * the news arrives with the first heartbeat the server answers after it gave up).
 */

/** What a Heartbeat needs from Temporal's activity context; a fake in unit tests. */
export interface HeartbeatTarget {
  heartbeat(details?: unknown): void;
  readonly cancellationSignal: AbortSignal;
}

/** Timer period when the activity has no heartbeat timeout (or a long one). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
const MIN_HEARTBEAT_INTERVAL_MS = 50;

/**
 * The timer period for an activity whose heartbeat timeout is `heartbeatTimeoutMs`: a sixth of the timeout (so a few
 * missed ticks on a busy event loop still leave a heartbeat inside it), at most 5 s, at least 50 ms.
 */
export function heartbeatIntervalMs(heartbeatTimeoutMs: number | undefined): number {
  if (heartbeatTimeoutMs === undefined || !(heartbeatTimeoutMs > 0)) return DEFAULT_HEARTBEAT_INTERVAL_MS;
  return Math.max(
    MIN_HEARTBEAT_INTERVAL_MS,
    Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(heartbeatTimeoutMs / 6)),
  );
}

export class Heartbeat {
  private details: unknown;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.stop();

  constructor(
    private readonly target: HeartbeatTarget,
    readonly intervalMs: number,
  ) {}

  /** Heartbeats now, then every `intervalMs` until `stop()` or cancellation. */
  start(): void {
    if (this.timer || this.cancelled) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // The worker keeps the process alive while the activity runs; a forgotten timer must not.
    this.timer.unref();
    this.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.signal.removeEventListener('abort', this.onAbort);
  }

  /** The details the next heartbeat carries (a checkpoint visible in the UI and to a retry). */
  progress(details: unknown): void {
    this.details = details;
  }

  get signal(): AbortSignal {
    return this.target.cancellationSignal;
  }

  get cancelled(): boolean {
    return this.signal.aborted;
  }

  /** Throws the cancellation (a CancelledFailure from the SDK) once Temporal has cancelled this attempt. */
  check(): void {
    this.signal.throwIfAborted();
  }

  /**
   * `store` with every write guarded by the cancellation: `put`, `putBuffer`, `delete`, `deletePrefix` throw once
   * cancelled instead of starting, and a streamed `put` that is under way when the cancellation arrives fails at its
   * end (the store then removes its temp file and keeps the previous blob), so nothing lands after the workflow moved
   * on. The stream itself keeps flowing until its producer stops (the work's next `check()`): destroying it would
   * leave a producer waiting for 'drain' forever (UploadScrubber feeds its copy with backpressure). Reads pass through.
   */
  blobs(store: BlobStore): BlobStore {
    const guarded = async <T>(write: () => Promise<T>): Promise<T> => {
      this.check();
      return write();
    };
    return {
      put: (key: string, source: Readable, options?: { maxBytes?: number }) => {
        const done = (async () => {
          if (this.cancelled) {
            source.resume(); // consumed into nothing, so that its producer never blocks
            this.check();
          }
          return store.put(key, this.failsIfCancelled(source), options);
        })();
        // A caller may hold the write and await it later (UploadScrubber does, while it feeds the stream): a
        // cancellation meanwhile must reach that await, not crash the process as an unhandled rejection.
        done.catch(() => undefined);
        return done;
      },
      putBuffer: (key, data) => guarded(() => store.putBuffer(key, data)),
      get: (key) => store.get(key),
      getRange: (key, start, end) => store.getRange(key, start, end),
      exists: (key) => store.exists(key),
      size: (key) => store.size(key),
      delete: (key) => guarded(() => store.delete(key)),
      deletePrefix: (prefix) => guarded(() => store.deletePrefix(prefix)),
      list: (prefix) => store.list(prefix),
      deleteIncomplete: (olderThan) => guarded(() => store.deleteIncomplete(olderThan)),
    };
  }

  /** `source` passed through unchanged, ending in an error instead of its end when cancelled meanwhile. */
  private failsIfCancelled(source: Readable): Readable {
    const guard = new Transform({
      transform: (chunk: unknown, _encoding, callback) => callback(null, chunk),
      flush: (callback) => callback(this.cancelled ? this.reason() : null),
    });
    // pipeline, not pipe: an error of the source fails the guard, and so the store's write.
    pipeline(source, guard, () => undefined);
    return guard;
  }

  private reason(): Error {
    const reason: unknown = this.signal.reason;
    return reason instanceof Error ? reason : new Error(`activity cancelled: ${String(reason)}`);
  }

  private beat(): void {
    if (!this.cancelled) this.target.heartbeat(this.details);
  }
}

const running = new AsyncLocalStorage<Heartbeat>();

/**
 * Runs `work` inside the current activity with a Heartbeat ticking from start to end (the timer stops when the work
 * settles, whichever way). The work reports progress with `heartbeat.progress(...)` and calls `heartbeat.check()`
 * before each statement and write; its cancellation error propagates, which Temporal records as the attempt's end.
 * Code deeper down may use {@link heartbeatProgress} instead of being handed the Heartbeat.
 */
export async function withHeartbeat<T>(work: (heartbeat: Heartbeat) => Promise<T>): Promise<T> {
  const context = Context.current();
  const heartbeat = new Heartbeat(context, heartbeatIntervalMs(context.info.heartbeatTimeoutMs));
  heartbeat.start();
  try {
    return await running.run(heartbeat, () => work(heartbeat));
  } finally {
    heartbeat.stop();
  }
}

/**
 * Progress of the work running in {@link withHeartbeat} (sent by its timer), and the cancellation check that goes
 * with it: throws once the attempt is cancelled. Outside withHeartbeat, a plain SDK heartbeat and the same check.
 */
export function heartbeatProgress(details: unknown): void {
  const heartbeat = running.getStore();
  if (heartbeat) {
    heartbeat.progress(details);
    heartbeat.check();
    return;
  }
  const context = Context.current();
  context.heartbeat(details);
  context.cancellationSignal.throwIfAborted();
}
