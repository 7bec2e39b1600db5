/**
 * `synod check` in a worker thread, so that SIGINT can stop it: the checker's search is one
 * synchronous loop, so the main thread (which hears the signal) could not run its handler
 * until the search ended. The main thread sets a flag in shared memory; the worker reads it
 * at each of the checker's progress reports (about once a second) and stops there, with the
 * figures of the states visited so far. See `runCheckInWorker` in ./check.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Progress } from '../check/model-checker';
import { UsageError } from './args';
import type { CheckFlags, WorkerMessage } from './check';
import { checkRun } from './check';

class Stop extends Error {
  constructor(readonly last: Progress) {
    super('stop');
  }
}

function work(): void {
  const port = parentPort;
  if (port === null) return;
  const { flags, stop } = workerData as { flags: CheckFlags; stop: SharedArrayBuffer };
  const flag = new Int32Array(stop);
  const post = (m: WorkerMessage): void => port.postMessage(m);
  try {
    const { report, header } = checkRun(flags, {
      progress: (p) => {
        post({ type: 'progress', progress: p });
        if (Atomics.load(flag, 0) === 1) throw new Stop(p);
      },
    });
    post({ type: 'done', report, header });
  } catch (error) {
    if (error instanceof Stop) post({ type: 'interrupted', last: error.last });
    else if (error instanceof UsageError) post({ type: 'usage', message: error.message });
    else post({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

work();
