/**
 * Preloaded into the benchmark's worker child process (`node --import tsx --import ./bench/worker-probe.mjs
 * worker/main.ts`) to explain its resident memory: every 500 ms the main thread writes process.memoryUsage() and V8
 * heap statistics to $CCFLOW_BENCH_PROBE_FILE. Plain JavaScript because Node passes the flag on to the SDK's workflow
 * threads too, where it does nothing (isMainThread). It allocates nothing worth counting and does not touch the worker.
 */
import fs from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const target = process.env.CCFLOW_BENCH_PROBE_FILE;
if (target && isMainThread) {
  const write = () => {
    const heap = v8.getHeapStatistics();
    const probe = {
      at: Date.now(),
      ...process.memoryUsage(),
      nativeContexts: heap.number_of_native_contexts,
      heapSizeLimit: heap.heap_size_limit,
      mallocedMemory: heap.malloced_memory,
    };
    fs.writeFileSync(`${target}.tmp`, JSON.stringify(probe));
    fs.renameSync(`${target}.tmp`, target);
  };
  write();
  setInterval(write, 500).unref();
}
