/**
 * Replay: a run is a function of its subject, options and seed, so its trace need not be
 * recorded while hunting. Runs go untraced (fast); when one fails, the same seed is run
 * again with a recorder, and the replay must end exactly as the original did, or the
 * simulator is not deterministic and says so.
 */
import type { Addressed } from '../core/protocol';
import type { SimOptions } from './options';
import type { SimResult } from './simulator';
import { simulate } from './simulator';
import type { Subject } from './subject';
import type { TraceEvent } from './trace';
import { TraceRecorder } from './trace';

export interface Replayed {
  readonly result: SimResult;
  readonly trace: readonly TraceEvent[];
}

/** Runs the seed again with a recorder; throws if the replay differs from `original`. */
export function replay<S, M extends Addressed, E, D, C>(
  subject: Subject<S, M, E, D, C>,
  options: SimOptions,
  original?: SimResult,
): Replayed {
  const recorder = new TraceRecorder();
  const result = simulate(subject, options, recorder);
  if (original !== undefined && JSON.stringify(result) !== JSON.stringify(original)) {
    throw new Error(`synod: seed ${options.seed} did not replay identically: the simulator is not deterministic`);
  }
  return { result, trace: recorder.events };
}
