/** Linux /proc readings of a process: resident memory (VmRSS, peak VmHWM), CPU time, a 100 ms RSS sampler. */
import fs from 'node:fs';

const MB = 1024 * 1024;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

export interface MemoryStatus {
  rssBytes: number;
  hwmBytes: number;
}

export function readStatus(pid: number | 'self'): MemoryStatus {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssBytes: kb('VmRSS') * 1024, hwmBytes: kb('VmHWM') * 1024 };
}

/** Resets the kernel's peak-RSS counter (VmHWM) of a process to its current RSS ("5" > /proc/pid/clear_refs). */
export function resetPeak(pid: number | 'self'): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const toMb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

export interface RssSampler {
  stop(): { samples: number; peakSampledBytes: number; peakHwmBytes: number; lastBytes: number };
}

/**
 * Samples VmRSS every `intervalMs`. The sampler runs on this process's event loop, which a busy benchmark can delay;
 * the kernel's VmHWM (read at stop) catches any peak between samples, so the reported peak is max(samples, VmHWM).
 */
export function sampleRss(pid: number | 'self', intervalMs = 100): RssSampler {
  let samples = 0;
  let peak = 0;
  let last = 0;
  const take = (): void => {
    try {
      last = readStatus(pid).rssBytes;
      samples += 1;
      peak = Math.max(peak, last);
    } catch {
      // the process is gone; the caller notices on its own
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      let hwm = 0;
      try {
        hwm = readStatus(pid).hwmBytes;
      } catch {
        hwm = 0;
      }
      return { samples, peakSampledBytes: peak, peakHwmBytes: hwm, lastBytes: last };
    },
  };
}

/** User + system CPU seconds a process has used so far (0 when it is gone). */
export function cpuSeconds(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used by each named process between `start()` and `stop()`. */
export function cpuMeter(pids: Record<string, number | 'self'>): { stop(): Record<string, number> } {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return {
    stop: () =>
      Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          Math.round((cpuSeconds(pid) - (before[name] ?? 0)) * 10) / 10,
        ]),
      ),
  };
}

/**
 * Waits until a process has been (nearly) idle for one second — e.g. FerretDB still working through writes of an
 * operation that was abandoned — so that the next measurement does not pay for the previous one. Bounded.
 */
export async function waitForIdle(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (cpuSeconds(pid) - before < 0.05) return true;
  }
  return false;
}
