/**
 * Progress and interruption, shared by `synod sim` (seed ranges and long runs), `synod check`
 * and `npm run proofs`.
 *
 * Progress goes to stderr, so it never mixes with the report (or the JSON) on stdout, and
 * only once a run has lasted `after` ms (2 s): a short run prints nothing extra. On a
 * terminal it is a bar drawn by cli-progress; otherwise (a pipe, a CI log) it is one status
 * line every `every` ms (10 s), so a long run in a log is never silent.
 *
 * Interruption: the first SIGINT (Ctrl-C) only sets a flag that the run reads at its next
 * step (sim), its next seed (a seed range) or its next progress report (check); the run
 * then stops and the command prints its partial summary with `interrupted: true` and exits
 * with EXIT.interrupted (130, the shell's code for SIGINT). A second SIGINT ends the process
 * at once.
 */
import { SingleBar } from 'cli-progress';
import type { Output } from './output';
import { processOutput } from './output';

export interface Progress {
  /** `total` is null when the size of the run is not known in advance (a model check). */
  update(done: number, total: number | null, status?: string): void;
  /** Clears the bar (or ends the status lines). */
  finish(): void;
}

export interface ProgressOptions {
  /** Draw a bar (a terminal) or print status lines; default: whether stderr is a terminal. */
  readonly tty?: boolean;
  /** Milliseconds before anything is shown (default 2000). */
  readonly after?: number;
  /** Milliseconds between two status lines when not on a terminal (default 10000). */
  readonly every?: number;
  readonly clock?: () => number;
}

/** A progress display on `io`'s stderr for a run called `label`. */
export function progress(io: Output, label: string, options: ProgressOptions = {}): Progress {
  const clock = options.clock ?? Date.now;
  const start = clock();
  const after = options.after ?? 2000;
  const every = options.every ?? 10_000;
  const tty = options.tty ?? (io === processOutput && process.stderr.isTTY === true);
  let bar: SingleBar | null = null;
  let lastLine = -Infinity;
  let shown = false;
  return {
    update(done, total, status = '') {
      const now = clock();
      if (now - start < after) return;
      shown = true;
      if (tty) {
        if (bar === null) {
          bar = new SingleBar({
            format: total === null ? `${label} {done} {status}` : `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} {status}`,
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 50,
          });
          bar.start(total ?? 0, done, { done, status });
        }
        if (total !== null) bar.setTotal(total);
        bar.update(done, { done, status });
        return;
      }
      if (now - lastLine < every) return;
      lastLine = now;
      const seconds = Math.round((now - start) / 1000);
      const line = total === null
        ? `${done}${status === '' ? '' : ` ${status}`}`
        : `${done}/${total} (${((100 * done) / Math.max(1, total)).toFixed(1)}%)${status === '' ? '' : `, ${status}`}`;
      io.err(`${label}: ${line}, ${seconds} s\n`);
    },
    finish() {
      if (bar !== null) bar.stop();
      bar = null;
      if (!tty && shown) lastLine = -Infinity;
    },
  };
}

export interface Interruption {
  /** True once SIGINT arrived. */
  readonly interrupted: boolean;
  /** Removes the handler (the default behaviour of SIGINT comes back). */
  dispose(): void;
}

/** Catches SIGINT for the length of a run; see the module comment. */
export function interruption(): Interruption {
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      process.removeListener('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    interrupted = true;
    process.stderr.write('\nsynod: interrupted; stopping at the next step (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  return {
    get interrupted() {
      return interrupted;
    },
    dispose() {
      process.removeListener('SIGINT', onSigint);
    },
  };
}
