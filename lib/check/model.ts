/**
 * The model checker's public vocabulary: what a model declares (its protocol, network, clients,
 * bounds, properties and optional reductions), what a run is asked (`CheckOptions`) and what it
 * returns (`CheckResult`, with counterexample traces as data), and one readable line per trace
 * step (`formatTrace`). The checker itself is `model-checker.ts`; every file that uses it
 * imports these names from there.
 */
import type { Addressed, Protocol } from '../core/protocol';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';

export type NetworkModel = 'set' | 'multiset';
export const NETWORK_MODELS: readonly NetworkModel[] = ['set', 'multiset'];

/**
 * A client that may hand `node` exactly one of `choices`, once, at any point of a run.
 * Several slots may name one node. What every slot asked is visible to properties (Validity
 * reads it as the proposed values).
 */
export interface RequestSlot<C, M = unknown> {
  readonly node: NodeId;
  readonly choices: readonly C[];
  /**
   * When the slot's choice may be handed now (default: always, once). It reads only what a
   * client can know of the run so far: the history of messages (notes included) and what was
   * asked. A model uses it to write down, in the command itself, what had happened when a
   * client invoked it (the reads model: the commands acknowledged before a read was invoked),
   * exactly one choice being enabled in each state. Not with symmetry reduction.
   */
  readonly when?: (choice: C, history: readonly M[], requested: readonly C[]) => boolean;
}

/** How the checker names a node state, a message and a durable record: equal data, equal key. */
export interface Codec<S, M, D> {
  state(s: S): string;
  message(m: M): string;
  durable(d: D | undefined): string;
}

/** What a property sees: one global state, decoded. */
export interface Snapshot<S, M, C> {
  readonly nodes: readonly NodeId[];
  /** `states[i]` belongs to `nodes[i]`. */
  readonly states: readonly S[];
  /** Every message ever sent (Paxos.tla's `msgs`), each once. */
  readonly messages: readonly M[];
  /** Messages that can be delivered now (in the multiset model, one entry per copy). */
  readonly inFlight: readonly M[];
  /** Every command a client has handed to a node so far. */
  readonly requested: readonly C[];
}

/**
 * Declares which parts of the state a property reads, so its results can be memoized on that
 * part alone. `node` returns a canonical key of the part of a node's state it reads; `message`
 * says whether it reads a message; `requests` whether it reads what clients asked.
 */
export interface Reads<S, M> {
  node(s: S): string;
  message(m: M): boolean;
  readonly requests: boolean;
}

export interface Finding {
  /** The name of the invariant that broke (e.g. `Agreement`). */
  readonly invariant: string;
  readonly description: string;
}

/** A safety property: it must hold in every reachable state. */
export interface AlwaysProperty<S, M, C> {
  readonly name: string;
  check(s: Snapshot<S, M, C>): readonly Finding[];
  readonly reads?: Reads<S, M>;
}

/**
 * A property of one step of one node: its state before and after, and what it sent. It is
 * checked on every local step the search takes (a delivery, a request, a timeout) and on every
 * crash and restart (before: the state that crashed; after: the state recovered; nothing
 * sent). Where an always-property says what a state may be, a step property says what a node
 * may do; a broken one is reported with a trace that ends with that step.
 */
export interface StepProperty<S, M> {
  readonly name: string;
  check(before: S, after: S, sent: readonly M[]): readonly Finding[];
}

/** A reachability property: some reachable state must satisfy it, so no check passes vacuously. */
export interface SometimesProperty<S, M, C> {
  readonly name: string;
  holds(s: Snapshot<S, M, C>): boolean;
  readonly reads?: Reads<S, M>;
}

export interface Model<S, M extends Addressed, E, D, C> {
  readonly protocol: Protocol<S, M, E, D, C>;
  readonly network: NetworkModel;
  readonly requests: readonly RequestSlot<C, M>[];
  /** Whether node timers may fire (all nodes, or the listed ones); each firing must stay `within`. */
  readonly timeouts: boolean | readonly NodeId[];
  /** How many crash-and-restart actions one run may contain, in total. */
  readonly crashes: number;
  /** Nodes that may crash (default: all that run). */
  readonly crashable?: readonly NodeId[];
  /** Nodes that never run: messages to them are never delivered, they never time out. */
  readonly down?: readonly NodeId[];
  /**
   * The bound that keeps the space finite: a step whose resulting node state is not `within`
   * is not taken (for Paxos: no ballot above the maximum round).
   */
  readonly within?: (s: S) => boolean;
  readonly codec?: Codec<S, M, D>;
  /**
   * Messages the network always loses: they are never delivered. One no property reads is not
   * recorded at all. A lossy network is a restriction of the set and multiset models (there a
   * message may also never be delivered), so a counterexample found with it is a real run;
   * a pass with it proves only what it covers. The bug zoo uses it to reach long
   * counterexamples in a smaller space.
   */
  readonly lost?: (m: M) => boolean;
  /**
   * Messages that can no longer matter (set model only): `obsolete(m, s)` says that a node in
   * state `s`, and in every state it can reach from `s`, ignores `m`: delivering it changes
   * nothing and sends nothing. No property may read such a message. The checker removes a
   * message from the network once its recipient's state makes it obsolete, which merges states
   * that differ only in messages nobody can ever act on (they have the same futures, so the
   * merge loses no run). It checks at each removal that the delivery is a no-op in that state
   * and that no property reads the message; that it stays a no-op is the model's claim, and a
   * test of the model compares what is reachable with and without it.
   */
  readonly obsolete?: (m: M, recipient: S) => boolean;
  /**
   * Messages a property reads that `obsolete` may remove all the same. The model's claim: a
   * property's verdict on such a message, checked in every stored state that holds it, cannot
   * change once the message is obsolete, as long as every step satisfies `steps`. The checker
   * keeps such a message until its recipient's state makes it obsolete (never dropping it on
   * arrival, so some stored state holds it), and checks `steps` on every step it takes.
   */
  readonly settled?: (m: M) => boolean;
  /** Properties of single steps, checked on every step the search takes (see `StepProperty`). */
  readonly steps?: readonly StepProperty<S, M>[];
  /**
   * Normal forms (see `Normalize`): the checker replaces every node state and message by its
   * normal form before it names it, so states that differ only in data nobody reads again are
   * one state.
   */
  readonly normalize?: Normalize<S, M>;
  readonly always: readonly AlwaysProperty<S, M, C>[];
  readonly sometimes: readonly SometimesProperty<S, M, C>[];
  /**
   * Symmetry reduction: the listed nodes are interchangeable, so the checker stores one state
   * per class of states equal up to a renaming of them (see `Symmetry`).
   */
  readonly symmetry?: Symmetry<S, M, D>;
}

/**
 * Exact abstraction by normal forms. `state(s)` must behave exactly as `s` does: every step from
 * it, on every input, has the same result (up to normal form) and sends the same messages, and
 * every property judges it alike; typically it resets fields the protocol never reads again in
 * the state's phase. `message(m)` must be handled by its recipient exactly as `m` is, in every
 * state, and be judged alike by every property; typically it blanks a field the recipient
 * ignores. The roles then run on the normal forms. A counterexample still prints the messages
 * of the real run (the trace is replayed with the real messages). A test of the model compares
 * what is reachable with and without it.
 */
export interface Normalize<S, M> {
  state?(s: S): S;
  message?(m: M): M;
}

/**
 * Nodes that are interchangeable: renaming them by any permutation maps every run of the model
 * to a run of the model and keeps every property's verdict. The model must make this true: the
 * nodes play the same roles with the same initial state, none of them is handed client
 * commands, the timers, crash budget and losses treat them alike, and every property reads them
 * alike. The checker then stores one canonical representative per class of states (the
 * smallest fingerprint over the renamings that order the nodes by their own state), checks the
 * properties on it, and still prints every counterexample as a real run. A test compares the
 * counts with and without the reduction on a model small enough to enumerate.
 */
export interface Symmetry<S, M, D> {
  readonly nodes: readonly NodeId[];
  /** The same data with every node id `n` written as `rename(n)`. */
  state(s: S, rename: (n: NodeId) => NodeId): S;
  message(m: M, rename: (n: NodeId) => NodeId): M;
  durable(d: D | undefined, rename: (n: NodeId) => NodeId): D | undefined;
}

export interface CheckOptions<S, M, C> {
  /** Depth-first instead of breadth-first (counterexamples are then not the shortest). */
  readonly dfs?: boolean;
  /** Stop after this many distinct states; the result says `complete: false`. */
  readonly maxStates?: number;
  /** Exact memoization of local steps and property results (default on). */
  readonly memoize?: boolean;
  /** Called about once a second with the running totals (the CLI's progress line). */
  readonly progress?: (p: Progress) => void;
  /** Extra always-properties for this run only (refused when the model removes or loses messages). */
  readonly always?: readonly AlwaysProperty<S, M, C>[];
  /**
   * A directed start: these actions are played first, from the initial state, and the search
   * explores every run from the state they reach. Every run found is then a real run (the
   * prefix, then a path the search found), so a counterexample stays a counterexample; a pass
   * covers only runs with this prefix. The bug zoo uses it for a mutant whose shortest
   * counterexample is too deep for breadth-first search from the start.
   */
  readonly prefix?: readonly Action<M, C>[];
  /**
   * Called with every distinct state stored, as data (for tests and tools: a test counts
   * classes of states under a symmetry with it). Under symmetry reduction these are the
   * representatives.
   */
  readonly onState?: (state: StateView<S, M, unknown>) => void;
}

/** One global state as data. */
export interface StateView<S, M, D> {
  readonly crashes: number;
  /** Per request slot: 0 if not asked yet, k if asked its choice k-1. */
  readonly asked: readonly number[];
  /** `states[i]` and `durables[i]` belong to the protocol's `nodes[i]`. */
  readonly states: readonly S[];
  readonly durables: readonly (D | undefined)[];
  /** Every message ever sent; in the multiset model `copies[j]` of `history[j]` are in flight. */
  readonly history: readonly M[];
  readonly copies: readonly number[] | null;
}

export interface Progress {
  readonly states: number;
  readonly queue: number;
  readonly transitions: number;
  readonly seconds: number;
}

/** One action of a run, as data. `crash` is a crash followed at once by a restart. */
export type Action<M, C> =
  | { readonly type: 'deliver'; readonly message: M }
  | { readonly type: 'request'; readonly node: NodeId; readonly command: C }
  | { readonly type: 'timeout'; readonly node: NodeId }
  | { readonly type: 'crash'; readonly node: NodeId };

export interface TraceStep<M, C> {
  readonly action: Action<M, C>;
  /** The messages the step sent. */
  readonly sent: readonly M[];
  /** Why the node changed nothing, when it did not. */
  readonly ignored?: string;
}

export interface Counterexample<M, C> {
  readonly property: string;
  readonly findings: readonly Finding[];
  /** From the initial state to the violating one; its length is the number of actions. */
  readonly trace: readonly TraceStep<M, C>[];
}

export interface SometimesResult<M, C> {
  readonly holds: boolean;
  /** A shortest run (under BFS) to a state where it holds. */
  readonly witness: readonly TraceStep<M, C>[] | null;
}

export interface CheckResult<M, C> {
  readonly states: number;
  readonly transitions: number;
  /** The length of the longest shortest path found (BFS) or the deepest stack (DFS). */
  readonly depth: number;
  readonly seconds: number;
  /** True when every reachable state was visited (no violation stopped it, no state limit). */
  readonly complete: boolean;
  readonly violations: readonly Counterexample<M, C>[];
  readonly sometimes: Readonly<Record<string, SometimesResult<M, C>>>;
  /** Distinct node states, durable records and messages met: the size of the intern tables. */
  readonly interned: { readonly states: number; readonly durables: number; readonly messages: number };
}

/** One readable line per trace step; `show` prints a message. */
export function formatTrace<M, C>(trace: readonly TraceStep<M, C>[], show: (m: M) => string, showCommand: (c: C) => string = (c) => JSON.stringify(c)): string[] {
  const lines: string[] = [];
  trace.forEach((step, i) => {
    const n = `${String(i + 1).padStart(3)}.`;
    const a = step.action;
    switch (a.type) {
      case 'deliver':
        lines.push(`${n} deliver ${show(a.message)}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'request':
        lines.push(`${n} client asks n${a.node} to propose ${showCommand(a.command)}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'timeout':
        lines.push(`${n} timeout at n${a.node}${step.ignored === undefined ? '' : `  (ignored: ${step.ignored})`}`);
        break;
      case 'crash':
        lines.push(`${n} n${a.node} crashes and restarts from what it persisted`);
        break;
      default:
        assertNever(a, 'action');
    }
    for (const m of step.sent) lines.push(`       sends ${show(m)}`);
  });
  return lines;
}
