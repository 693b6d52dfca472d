import { Readable } from 'node:stream';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  Heartbeat,
  type HeartbeatTarget,
  heartbeatIntervalMs,
} from '../../activities/heartbeat';
import { MemoryBlobStore } from '../support/memory-blob-store';

/** Temporal's activity context as the Heartbeat sees it: records every heartbeat, cancelled by `cancel`. */
function fakeContext(): HeartbeatTarget & { beats: unknown[]; cancel(reason: string): void } {
  const controller = new AbortController();
  const beats: unknown[] = [];
  return {
    beats,
    heartbeat: (details?: unknown) => beats.push(details),
    cancellationSignal: controller.signal,
    cancel: (reason) => controller.abort(new Error(reason)),
  };
}

describe('heartbeatIntervalMs', () => {
  it('is a sixth of the heartbeat timeout, at most 5 s and at least 50 ms', () => {
    expect(heartbeatIntervalMs(undefined)).toBe(DEFAULT_HEARTBEAT_INTERVAL_MS);
    expect(heartbeatIntervalMs(0)).toBe(DEFAULT_HEARTBEAT_INTERVAL_MS);
    expect(heartbeatIntervalMs(30_000)).toBe(5000);
    expect(heartbeatIntervalMs(600_000)).toBe(5000);
    expect(heartbeatIntervalMs(6000)).toBe(1000);
    expect(heartbeatIntervalMs(100)).toBe(50);
  });
});

describe('Heartbeat timer', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('beats at start, then every interval with the latest progress, whatever the work is doing', () => {
    const context = fakeContext();
    const heartbeat = new Heartbeat(context, 5000);
    heartbeat.start();
    expect(context.beats).toEqual([undefined]);
    heartbeat.progress({ staged: 500 });
    heartbeat.progress({ staged: 1000 });
    jest.advanceTimersByTime(4999);
    expect(context.beats).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(context.beats).toEqual([undefined, { staged: 1000 }]);
    // No progress for a while (one long statement): the timer keeps beating with the same details.
    jest.advanceTimersByTime(15_000);
    expect(context.beats).toEqual([undefined, { staged: 1000 }, { staged: 1000 }, { staged: 1000 }, { staged: 1000 }]);
    heartbeat.stop();
  });

  it('stops beating when stopped', () => {
    const context = fakeContext();
    const heartbeat = new Heartbeat(context, 1000);
    heartbeat.start();
    jest.advanceTimersByTime(2000);
    heartbeat.stop();
    jest.advanceTimersByTime(10_000);
    expect(context.beats).toHaveLength(3);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops beating once cancelled, and check() throws the cancellation', () => {
    const context = fakeContext();
    const heartbeat = new Heartbeat(context, 1000);
    heartbeat.start();
    expect(() => heartbeat.check()).not.toThrow();
    expect(heartbeat.cancelled).toBe(false);
    context.cancel('TIMED_OUT');
    expect(heartbeat.cancelled).toBe(true);
    expect(() => heartbeat.check()).toThrow('TIMED_OUT');
    jest.advanceTimersByTime(10_000);
    expect(context.beats).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not start once cancelled', () => {
    const context = fakeContext();
    context.cancel('NOT_FOUND');
    const heartbeat = new Heartbeat(context, 1000);
    heartbeat.start();
    jest.advanceTimersByTime(5000);
    expect(context.beats).toHaveLength(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('Heartbeat.blobs: no write lands after a cancellation', () => {
  it('passes writes and reads through while not cancelled', async () => {
    const store = new MemoryBlobStore();
    const blobs = new Heartbeat(fakeContext(), 1000).blobs(store);
    await blobs.putBuffer('a', 'one');
    await blobs.put('b', Readable.from([Buffer.from('two')]));
    expect(store.blobs.get('a')?.toString()).toBe('one');
    expect(await blobs.exists('b')).toBe(true);
    await blobs.delete('a');
    expect(await blobs.exists('a')).toBe(false);
  });

  it('refuses to start a write once cancelled', async () => {
    const store = new MemoryBlobStore();
    await store.putBuffer('kept', 'old');
    const context = fakeContext();
    const blobs = new Heartbeat(context, 1000).blobs(store);
    context.cancel('NOT_FOUND');
    await expect(blobs.putBuffer('batch-0', 'rows')).rejects.toThrow('NOT_FOUND');
    await expect(blobs.put('kept', Readable.from([Buffer.from('new')]))).rejects.toThrow('NOT_FOUND');
    await expect(blobs.delete('kept')).rejects.toThrow('NOT_FOUND');
    await expect(blobs.deletePrefix('')).rejects.toThrow('NOT_FOUND');
    expect([...store.blobs.keys()]).toEqual(['kept']);
    expect(store.blobs.get('kept')?.toString()).toBe('old');
    // Reads still work (a cancelled attempt may still read what it needs to stop cleanly).
    expect(await blobs.exists('kept')).toBe(true);
  });

  it('fails a streamed write under way at its end, leaving the previous blob, without blocking its producer', async () => {
    const store = new MemoryBlobStore();
    await store.putBuffer('copy.csv', 'previous');
    const context = fakeContext();
    const blobs = new Heartbeat(context, 1000).blobs(store);
    // A producer that honours backpressure, like UploadScrubber: it must never wait forever for 'drain'.
    const source = new Readable({ read: () => undefined, highWaterMark: 4 });
    const done = blobs.put('copy.csv', source);
    const feed = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        if (!source.push(Buffer.from(`row ${i}\n`))) await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await feed(50);
    context.cancel('TIMED_OUT');
    await feed(50);
    source.push(null);
    await expect(done).rejects.toThrow('TIMED_OUT');
    expect(store.blobs.get('copy.csv')?.toString()).toBe('previous');
  });

  it('does not leave an unhandled rejection when the write is awaited only later', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const context = fakeContext();
      const blobs = new Heartbeat(context, 1000).blobs(new MemoryBlobStore());
      const source = new Readable({ read: () => undefined });
      const done = blobs.put('x', source);
      context.cancel('TIMED_OUT');
      source.push(null);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(done).rejects.toThrow('TIMED_OUT');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
