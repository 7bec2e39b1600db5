/**
 * The shared shape of every protocol role in synod.
 *
 * A role is a pure state machine: a handler takes the role's state and one input and returns
 * the next state and a list of effects. Effects are data; the caller (a test, the simulator,
 * the model checker, the runtime) performs them. The rule every driver keeps: a step's
 * `persist` effects are durable before any of that step's `send` effects leave the node.
 */

/** A node (process) in the cluster. Node ids are small positive integers; 0 means "nobody". */
export type NodeId = number;

/** The outcome of one handler call. `ignored` says why an input changed nothing, if it did not. */
export interface Step<S, E> {
  readonly state: S;
  readonly effects: readonly E[];
  readonly ignored?: string;
}

/** A step that changes nothing, with the reason, as TigerBeetle's `ignore_*` guards give one. */
export function ignore<S, E>(state: S, reason: string): Step<S, E> {
  return { state, effects: [], ignored: reason };
}

/** Marks a switch as exhaustive: the compiler rejects a new case that is not handled. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** An assertion that names the broken expectation; protocol bugs stop loudly, never silently. */
export function invariant(condition: boolean, sentence: string): asserts condition {
  if (!condition) throw new Error(`synod: ${sentence}`);
}
