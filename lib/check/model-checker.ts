/**
 * An explicit-state model checker over any `Protocol` (lib/core/protocol.ts).
 *
 * It visits every global state a small configuration can reach: every node's role state, every
 * node's durable record, and the network. From each state it tries every enabled action —
 * deliver a message, hand a client command to a node (bounded), fire a node's timer (bounded by
 * the model's `within`), crash a node and restart it from what it persisted (bounded count) —
 * by calling the protocol's own handlers. There is no second copy of the protocol here: the
 * roles that run in the simulator and the runtime are the roles explored (the approach of
 * Stateright and DSLabs).
 *
 * Two network models:
 * - `set`: Paxos.tla's `msgs`. A sent message stays in the network forever and can be delivered
 *   any number of times, in any order, or never; loss, duplication and reordering are all
 *   covered because "delivered zero times" is loss.
 * - `multiset`: Stateright's `unordered_nonduplicating`. A message is delivered at most once per
 *   copy sent, in any order. Invariants still need every message ever sent (VotesSafe and
 *   PromiseKept read the history of 1b/2b messages), so this model carries that history as a
 *   ghost variable, part of the state exactly as a TLA+ history variable is.
 *
 * Why it is fast. The roles are pure, so a local step is a function of (node state, durable
 * record, input). The checker interns every node state, durable record and message it meets as
 * a small integer (through a canonical key computed once per distinct object) and memoizes every
 * local step by those integers. A global state is then a short run of bytes (varints and a
 * bitset of message ids), which is both its canonical fingerprint and its compact storage: the
 * bytes go to an arena outside the JavaScript heap, found again through an open-addressing index
 * (exact: equal bytes, not equal hashes); expanding a state rarely calls the protocol at all,
 * only a table. Property results are memoized the same way, keyed by the part of the state a
 * property says it reads. Memoization is exact (the key is the whole input of a pure function),
 * and `memoize: false` turns it off so a test can show the counts do not change.
 *
 * Optional reductions, declared by the model: `symmetry` (interchangeable nodes: one
 * representative stored per class of states equal up to renaming them), `normalize` (states
 * and messages named by a normal form that forgets what nobody reads again) and `obsolete`
 * (messages nobody can act on any more are removed from the set network; one a property reads
 * only when the model says why its verdict is `settled`, an argument resting on `steps`,
 * properties of single steps the checker checks on every step). Each is exact in what it
 * claims; spec/check/reduction.spec.ts counts what each keeps and shows each catching its bug.
 *
 * Breadth-first search finds the shortest counterexample; depth-first is available for memory.
 *
 * The parts, one job each: `model.ts` (the public types: what a model declares, what a run
 * returns), `intern.ts` (naming: codecs, normal forms, intern tables), `encoding.ts` and
 * `state-store.ts` (a global state as bytes, and the store of every state met),
 * `local-steps.ts` (one node's step, memoized), `obsolete.ts` (obsolete-message removal and the
 * step properties that justify it), `symmetry.ts` (canonical representatives),
 * `transitions.ts` (successors, a directed start, and traces) and `search.ts` (one run:
 * frontier, properties, result). This module is the one other files import.
 */
import type { Addressed } from '../core/protocol';
import type { CheckOptions, CheckResult, Model } from './model';
import { Search } from './search';
import { Transitions } from './transitions';

export type {
  Action,
  AlwaysProperty,
  CheckOptions,
  CheckResult,
  Codec,
  Counterexample,
  Finding,
  Model,
  NetworkModel,
  Normalize,
  Progress,
  Reads,
  RequestSlot,
  Snapshot,
  SometimesProperty,
  SometimesResult,
  StateView,
  StepProperty,
  Symmetry,
  TraceStep,
} from './model';
export { formatTrace, NETWORK_MODELS } from './model';

/** The checker itself: one instance per model, reusable across runs (its tables are kept). */
export class ModelChecker<S, M extends Addressed, E, D, C> {
  private readonly transitions: Transitions<S, M, E, D, C>;

  constructor(readonly model: Model<S, M, E, D, C>) {
    this.transitions = new Transitions(model);
  }

  /** Explores the model; stops at the first violation of an always-property. */
  run(options: CheckOptions<S, M, C> = {}): CheckResult<M, C> {
    return new Search(this.transitions, options).run();
  }
}

/** Checks a model once with a fresh checker. */
export function check<S, M extends Addressed, E, D, C>(model: Model<S, M, E, D, C>, options: CheckOptions<S, M, C> = {}): CheckResult<M, C> {
  return new ModelChecker(model).run(options);
}
