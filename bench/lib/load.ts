/**
 * Closed-loop load for the cluster benchmarks: `concurrency` workers, each with one request in
 * flight, each sending its next request as soon as the previous one is answered. Only requests
 * that start after the warm-up and end before the deadline are counted; the figures are puts
 * per second over the measured window and latency percentiles (nearest rank over every
 * measured request: exact, no histogram buckets).
 */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly concurrency: number;
  readonly puts: number;
  readonly errors: number;
  readonly seconds: number;
  readonly putsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** The nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A 64-byte value that differs for every (worker, n). */
export function value64(worker: number, n: number): string {
  const head = `w${worker}-n${n}-`;
  return head + 'x'.repeat(64 - head.length);
}

/**
 * Runs the closed loop. `put(worker, n)` sends one put and resolves when it is acknowledged; it
 * rejects on an error (counted, not timed). Throws if more than a tenth of the requests failed,
 * since the figures would then describe errors.
 */
export async function closedLoop(
  concurrency: number,
  options: { readonly warmupMs: number; readonly measureMs: number },
  put: (worker: number, n: number) => Promise<void>,
): Promise<LoadResult> {
  const start = performance.now();
  const from = start + options.warmupMs;
  const until = from + options.measureMs;
  const latencies: number[] = [];
  let errors = 0;
  let lastError = '';
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; performance.now() < until; n += 1) {
      const t0 = performance.now();
      try {
        await put(w, n);
      } catch (error) {
        errors += 1;
        lastError = error instanceof Error ? error.message : String(error);
        continue;
      }
      const t1 = performance.now();
      if (t0 >= from && t1 <= until) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (errors > latencies.length / 10) throw new Error(`${errors} of ${errors + latencies.length} puts failed at concurrency ${concurrency}; last: ${lastError}`);
  const sorted = latencies.sort((a, b) => a - b);
  const seconds = options.measureMs / 1000;
  return {
    concurrency,
    puts: sorted.length,
    errors,
    seconds,
    putsPerSecond: round(sorted.length / seconds, 1),
    p50Ms: round(percentile(sorted, 50), 3),
    p90Ms: round(percentile(sorted, 90), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), 3),
  };
}
