/**
 * What the simulator needs to know about a protocol: a "subject" is a `Protocol` (lib/core/protocol.ts)
 * plus the few things a hostile schedule and a safety check need. The simulator knows nothing
 * of Paxos; it drives any subject through this interface. Single-decree Paxos implements it in
 * ./paxos-subject.ts; the Multi-Paxos layer implements it the same way and registers itself
 * in ./registry.ts, which is all `synod sim --protocol <name>` needs.
 *
 * Contract, member by member:
 *
 * - `protocol`: the nodes and their pure step functions. The simulator calls `init` once per
 *   node, `recover(durable)` when a crashed node restarts (and at the crash itself: a crashed
 *   node's volatile state is gone at once), `deliver`, `timeout`, `request`, and reads each
 *   step's effects with `sent` and `persisted`. A step's persists are durable before its sends
 *   leave; a crash keeps the durable record and nothing else. An input that changes nothing
 *   should return the state object it was given (as lib/paxos's `ignore` does): the
 *   simulator ends a run early once every node's timeout is such a no-op and nothing is in
 *   flight (a subject that always builds new states is still correct, its runs just use
 *   every step they are given).
 * - `targets`: the nodes a client may send a command to (single-decree: the proposers).
 * - `command(client, k)`: the k-th command of client `client`. Distinct (client, k) pairs
 *   must give distinct commands, so that Validity ("only a proposed value is chosen") can
 *   tell an invented value from a proposed one.
 * - `check(snapshot)`: every invariant violated in a global snapshot, the definition (the
 *   functions of lib/invariants). Called after every step unless `monitor` is given.
 * - `monitor()` (optional, for speed): an incremental checker fed every change the simulator
 *   makes. Its `violated()` must equal `check(snapshot).length > 0` after every step; the
 *   simulator calls `check` for the report when it says true, and throws if the two
 *   disagree. spec/sim cross-checks the two step by step on many runs.
 * - `decided(nodes)`: how many slots (decrees) some node has learned as chosen, from node
 *   states alone (cheap: it is read after every step once faults stop).
 * - `settled(nodes, commands)`: the liveness goal. The simulator reports how many ticks after
 *   the network heals it takes to hold (single-decree: some learner learned a value).
 * - `chosen(snapshot)`: how many slots are chosen in Voting.tla's sense (a phase-2 quorum
 *   accepted one value in one ballot), whether or not anyone learned it; read once per run.
 * - `stage(node, effect)` (optional): a stage event (proposed, quorum-acknowledged, chosen,
 *   applied) an effect reports, for traces and counters.
 * - `observe(effect)` (optional): effects that `check` needs to see besides states and
 *   messages (a client acknowledgement for AckImpliesChosen, an applied entry for
 *   ChosenIsStable); those effects are kept, in order, in `snapshot.observed`.
 * - `acked(node, effect)` (optional): the (client, k) an effect acknowledges to its client
 *   (a reply "ok"). With it, clients run closed-loop as Jepsen's do: each re-sends its
 *   command to a random target every `retry` ticks until it is acknowledged, then issues the
 *   next; without it, clients issue commands open-loop and re-send only at the heal.
 * - `describe(message)`: one readable line for traces.
 */
import type { Violation } from '../invariants/voting';
import type { NodeId } from '../core/types';
import type { Addressed, Protocol } from '../core/protocol';

/** The global view after a step: what `check` reads. Arrays are indexed like `protocol.nodes`. */
export interface Snapshot<S, M, E, C> {
  /** Every node's state (a down node's is what it recovered from its durable record). */
  readonly nodes: readonly S[];
  /** Every message ever sent, in send order (Paxos.tla's `msgs`); a duplicate is one message. */
  readonly messages: readonly M[];
  /** Every client command issued, in order (a retry is not a new command). */
  readonly commands: readonly C[];
  /** The effects `observe` selected, in order, with the node that produced each. */
  readonly observed: readonly { readonly node: NodeId; readonly effect: E }[];
}

/** An incremental checker: told every change, it answers whether `check` would fail now. */
export interface Monitor<S, M, E, C> {
  /** A node's state is now `state` (after a step, a crash or a restart). */
  state(index: number, state: S): void;
  /** A message entered `messages`. */
  sent(message: M): void;
  /** A client command entered `commands`. */
  command(command: C): void;
  /** An observed effect entered `observed`. */
  observed(node: NodeId, effect: E): void;
  /** Exactly `check(snapshot).length > 0` for the snapshot built from the changes so far. */
  violated(): boolean;
  /**
   * Optional, for the cross-check: the names of the failing invariants, as `check` would
   * list them. With it, check mode `full` compares names, not just "some failed".
   */
  failing?(): readonly string[];
}

export type StageName = 'proposed' | 'quorum-acknowledged' | 'chosen' | 'applied';

/** A stage an effect reports, as it appears in a trace. */
export interface StageEvent {
  readonly stage: StageName;
  readonly slot: number;
  readonly value: unknown;
  /** The ballot, formatted (`41.2`), when the stage has one. */
  readonly ballot?: string;
}

export interface Subject<S, M extends Addressed, E, D, C> {
  readonly protocol: Protocol<S, M, E, D, C>;
  readonly targets: readonly NodeId[];
  command(client: number, k: number): C;
  check(snapshot: Snapshot<S, M, E, C>): Violation[];
  monitor?(): Monitor<S, M, E, C>;
  decided(nodes: readonly S[]): number;
  settled(nodes: readonly S[], commands: readonly C[]): boolean;
  chosen(snapshot: Snapshot<S, M, E, C>): number;
  stage?(node: NodeId, effect: E): StageEvent | null;
  observe?(effect: E): boolean;
  acked?(node: NodeId, effect: E): { readonly client: number; readonly k: number } | null;
  /** Optional: an answer worth a trace line of its own (an `indeterminate`: the client cannot know whether its command was chosen). */
  replied?(node: NodeId, effect: E): { readonly client: string; readonly seq: number; readonly status: string } | null;
  /** Optional: a per-run journal (a client history, counters) reported beside the invariants. */
  journal?(): Journal<S, E, C>;
  describe(message: M): string;
}

/** What a subject's journal adds to a run's result: extra fields, and whether they are fine. */
export interface SubjectReport {
  readonly fields: Readonly<Record<string, unknown>>;
  /** False fails the run (exit 1), as a violation does: e.g. a history that is not linearizable. */
  readonly ok: boolean;
  /** The clients' history in Jepsen's form, in real-time order, when the journal keeps one (`synod sim --history`). */
  readonly history?: readonly object[];
}

/**
 * Told every new client command and every effect that sends nothing, in order, so that it can
 * record a history with real-time order (an invocation, then the acknowledgement).
 */
export interface Journal<S, E, C> {
  command(command: C): void;
  effect(node: NodeId, effect: E): void;
  report(final: { readonly nodes: readonly S[]; readonly messages: number }): SubjectReport;
}

/**
 * A subject whose type parameters are forgotten, for the registry and the CLI: the simulator
 * is generic, and nothing outside a subject looks inside states, messages or commands.
 */
export type AnySubject = Subject<unknown, Addressed, unknown, unknown, unknown>;
