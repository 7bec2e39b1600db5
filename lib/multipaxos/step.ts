/**
 * One step under construction, shared by the roles of one node: the state so far, the effects
 * so far, and the durable changes so far. Local to one handler call (never shared between
 * steps), so the step as a whole stays a pure function. `Roles` names the role functions the
 * node is composed of (node.ts); the bug zoo builds a node from a `Roles` with one function
 * swapped, so a broken variant runs through the same code as the real one.
 */
import type { Ballot } from '../paxos/ballot';
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { Catchup, Entry, Heartbeat, HeartbeatAck, Learn, MultiAccept, MultiAccepted, MultiMessage, MultiMessageType, MultiPrepare, MultiPromise, MultiRejected, MultiSnapshot } from './messages';
import type { Replica } from '../machine/replica';
import type {
  AcceptorState,
  Counters,
  DurableChange,
  LeaderState,
  LearnerState,
  MultiEffect,
  MultiNodeState,
  MultiPaxosConfig,
  MultiStep,
  PromiseGathered,
  ReadCounters,
  ReadMode,
  ReadState,
  ClientRequest,
  TimerState,
} from './state';
import { ZERO_READ_COUNTERS } from './state';

/** A handler returns why it ignored its input, or undefined when it acted. */
export type Outcome = string | undefined;

/**
 * The role functions a node is composed of. Each takes the step under construction and one
 * input; the node dispatches to them, and the roles call each other through this record, so
 * swapping one function changes it everywhere it is used.
 */
export interface Roles {
  readonly acceptor: {
    onPrepare<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPrepare): Outcome;
    onAccept<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccept<Op>): Outcome;
    onHeartbeat<S, Op, R>(b: StepBuilder<S, Op, R>, m: Heartbeat): Outcome;
  };
  readonly leader: {
    campaign<S, Op, R>(b: StepBuilder<S, Op, R>): void;
    merge<Op>(promises: readonly PromiseGathered<Op>[], from: number): Entry<Op>[];
    propose<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void;
    onPromise<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiPromise<Op>): Outcome;
    onAccepted<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiAccepted<Op>): Outcome;
    onRejected<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiRejected): Outcome;
    onCatchup<S, Op, R>(b: StepBuilder<S, Op, R>, m: Catchup): Outcome;
    onRequest<S, Op, R>(b: StepBuilder<S, Op, R>, c: Command<Op>): Outcome;
    heartbeat<S, Op, R>(b: StepBuilder<S, Op, R>): void;
    observe<S, Op, R>(b: StepBuilder<S, Op, R>, ballot: Ballot, from: NodeId): void;
    follow<S, Op, R>(b: StepBuilder<S, Op, R>, leader: NodeId): void;
  };
  readonly learner: {
    learn<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, value: Entry<Op>): void;
    learnFromCommit<S, Op, R>(b: StepBuilder<S, Op, R>, ballot: Ballot, commit: number, leader: NodeId): void;
    onLearn<S, Op, R>(b: StepBuilder<S, Op, R>, m: Learn<Op>): Outcome;
    install<S, Op, R>(b: StepBuilder<S, Op, R>, slot: number, replica: Replica<unknown, unknown>): boolean;
    onSnapshot<S, Op, R>(b: StepBuilder<S, Op, R>, m: MultiSnapshot): Outcome;
  };
  /** Reads outside the log (reads.ts). */
  readonly reads: {
    onRead<S, Op, R>(b: StepBuilder<S, Op, R>, c: ClientRequest<Op>, mode: Exclude<ReadMode, 'log'>): Outcome;
    startRound<S, Op, R>(b: StepBuilder<S, Op, R>): number;
    onHeartbeatAck<S, Op, R>(b: StepBuilder<S, Op, R>, m: HeartbeatAck): Outcome;
    serve<S, Op, R>(b: StepBuilder<S, Op, R>): void;
    leaseEnd<S, Op, R>(b: StepBuilder<S, Op, R>, from: number): number;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class StepBuilder<S, Op, R> {
  readonly effects: MultiEffect<Op, R>[] = [];
  private readonly changes: DurableChange<Op>[] = [];
  /** Which records are copies made by this step (so later patches may write them in place). */
  private ownsNode = false;
  private ownsAcceptor = false;
  private ownsLeader = false;
  private ownsLearner = false;
  private ownsTimer = false;
  private ownsReads = false;

  constructor(
    readonly config: MultiPaxosConfig<S, Op, R>,
    readonly roles: Roles,
    public s: MultiNodeState<S, Op, R>,
  ) {}

  /**
   * The node record, copied on the first patch of the step; the input state is never changed,
   * and each role record is copied on its own first patch.
   */
  // Stryker disable ConditionalExpression,BooleanLiteral: copying a record this step already owns once more is only slower; the mutants that write into the input are killed in spec/multipaxos/survivors.spec.ts (deep-frozen inputs)
  private node(): Mutable<MultiNodeState<S, Op, R>> {
    if (!this.ownsNode) {
      this.s = { ...this.s };
      this.ownsNode = true;
    }
    return this.s as Mutable<MultiNodeState<S, Op, R>>;
  }

  setAcceptor(patch: Partial<AcceptorState<Op>>): void {
    const n = this.node();
    if (this.ownsAcceptor) Object.assign(n.acceptor, patch);
    else n.acceptor = { ...n.acceptor, ...patch };
    this.ownsAcceptor = true;
  }

  setLeader(patch: Partial<LeaderState<Op>>): void {
    const n = this.node();
    if (this.ownsLeader) Object.assign(n.leader, patch);
    else n.leader = { ...n.leader, ...patch };
    this.ownsLeader = true;
  }

  setLearner(patch: Partial<LearnerState<S, Op, R>>): void {
    const n = this.node();
    if (this.ownsLearner) Object.assign(n.learner, patch);
    else n.learner = { ...n.learner, ...patch };
    this.ownsLearner = true;
  }

  setTimer(patch: Partial<TimerState>): void {
    const n = this.node();
    if (this.ownsTimer) Object.assign(n.timer, patch);
    else n.timer = { ...n.timer, ...patch };
    this.ownsTimer = true;
  }
  setReads(patch: Partial<ReadState<Op>>): void {
    const n = this.node();
    if (this.ownsReads) Object.assign(n.reads, patch);
    else n.reads = { ...n.reads, ...patch };
    this.ownsReads = true;
  }
  // Stryker restore ConditionalExpression,BooleanLiteral

  /** Adds `n` to one read counter (the read counters appear with the first). */
  countRead(key: Exclude<keyof ReadCounters, 'served'>, n: number): void {
    const c = this.s.counters;
    const r = c.reads ?? ZERO_READ_COUNTERS;
    this.node().counters = { ...c, reads: { ...r, [key]: r[key] + n } };
  }

  /** One read answered in `mode`. */
  countServed(mode: ReadMode): void {
    const c = this.s.counters;
    const r = c.reads ?? ZERO_READ_COUNTERS;
    this.node().counters = { ...c, reads: { ...r, served: { ...r.served, [mode]: r.served[mode] + 1 } } };
  }

  /** Adds `n` to one counter. */
  count(key: Exclude<keyof Counters, 'sent' | 'reads'>, n: number): void {
    const c = this.s.counters;
    this.node().counters = { ...c, [key]: c[key] + n };
  }

  send(message: MultiMessage<Op>): void {
    this.effects.push({ type: 'send', message });
  }

  /** Sends to every other node the message `make` builds for it (none where it builds null). */
  broadcast(make: (to: NodeId) => MultiMessage<Op> | null): void {
    for (const to of this.config.quorums.acceptors) {
      if (to === this.s.id) continue;
      const m = make(to);
      if (m !== null) this.send(m);
    }
  }

  emit(effect: MultiEffect<Op, R>): void {
    this.effects.push(effect);
  }

  /** A change that must be durable before any send of this step leaves the node. */
  persist(change: DurableChange<Op>): void {
    this.changes.push(change);
  }

  finish(ignored?: Outcome): MultiStep<S, Op, R> {
    let sent: Partial<Record<MultiMessageType, number>> | null = null;
    for (const e of this.effects) {
      if (e.type !== 'send') continue;
      sent ??= { ...this.s.counters.sent };
      sent[e.message.type] = (sent[e.message.type] ?? 0) + 1;
    }
    if (sent !== null) this.node().counters = { ...this.s.counters, sent: sent as Counters['sent'] };
    // The persists go first, in the order they happened: the driver makes them durable before
    // any send of this step leaves.
    if (this.changes.length > 0) this.effects.unshift(...this.changes.map((change) => ({ type: 'persist' as const, change })));
    const { s: state, effects } = this;
    return ignored === undefined || effects.length > 0 ? { state, effects } : { state, effects, ignored };
  }
}
