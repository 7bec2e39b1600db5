/**
 * The messages of Multi-Paxos: the single-decree vocabulary of lib/paxos (prepare, promise,
 * accept, accepted, rejected) stretched over a log, plus the three messages a stable leader
 * needs (heartbeat, catchup, learn).
 *
 * | Paxos Made Simple, section 3                    | Paxos.tla | here        |
 * |-------------------------------------------------|-----------|-------------|
 * | prepare for "all instances" from the first unchosen | "1a"  | `prepare` (slot = first slot covered) |
 * | promise, with every proposal accepted from there | "1b"     | `promise` (entries) |
 * | accept request for one instance                 | "2a"      | `accept` (carries the commit point) |
 * | the acceptor accepts                            | "2b"      | `accepted`  |
 * | "abandon": a higher-numbered prepare was seen   | -         | `rejected`  |
 * | the leader is alive; here is the commit point   | -         | `heartbeat` |
 * | a follower acknowledges a heartbeat round (reads) | -       | `heartbeat-ack` |
 * | a learner asks for chosen commands it missed    | -         | `catchup`   |
 * | the chosen commands it missed                   | -         | `learn`     |
 * | the applied state, for slots compacted away     | -         | `snapshot`  |
 *
 * The promise type is `MultiPromise`, never `Promise`, which is a JavaScript global.
 */
import type { Ballot } from '../paxos/ballot';
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { Replica } from '../machine/replica';


/**
 * The value of one log slot: a batch of client commands, or the no-op a new leader puts in a
 * hole ("a special no-op command that leaves the state unchanged", section 3).
 */
export type Entry<Op> =
  | { readonly kind: 'noop' }
  | { readonly kind: 'batch'; readonly commands: readonly Command<Op>[] };

export const NOOP: Entry<never> = Object.freeze({ kind: 'noop' });

/** An acceptor's vote in one slot: Paxos.tla's maxVBal and maxVal, per slot. */
export interface SlotVote<Op> {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: Entry<Op>;
}

/**
 * A snapshot: the replica (the state machine with its client sessions) after applying every
 * slot below `slot`, all of them chosen. It stands for that prefix of the log, which a node
 * that compacted no longer holds. On the wire the replica is the machine's plain data; a node
 * installs it into its own machine of the same kind (the cluster runs one machine).
 */
export interface Snapshot<S = unknown, R = unknown> {
  readonly slot: number;
  readonly replica: Replica<S, R>;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly ballot: Ballot;
}

/** Phase 1a for every slot from `slot` on. */
export interface MultiPrepare extends Envelope {
  readonly type: 'prepare';
  readonly slot: number;
}

/**
 * Phase 1b: the promise, with every vote the acceptor cast in slots >= `slot`. An acceptor
 * that compacted slots at or above `slot` no longer has those votes: it reports the chosen
 * prefix instead, as its applied state (`snapshot`, absent otherwise), and the votes above it.
 */
export interface MultiPromise<Op> extends Envelope {
  readonly type: 'promise';
  readonly slot: number;
  readonly entries: readonly SlotVote<Op>[];
  readonly snapshot?: Snapshot;
}

/** Phase 2a for one slot; `commit` is the leader's commit point (every slot below is chosen). */
export interface MultiAccept<Op> extends Envelope {
  readonly type: 'accept';
  readonly slot: number;
  readonly value: Entry<Op>;
  readonly commit: number;
}

/** Phase 2b: the acceptor accepted `value` in `slot` at `ballot`. */
export interface MultiAccepted<Op> extends Envelope {
  readonly type: 'accepted';
  readonly slot: number;
  readonly value: Entry<Op>;
}

/** A prepare or accept refused: the acceptor has promised `promised`, above `ballot`. */
export interface MultiRejected extends Envelope {
  readonly type: 'rejected';
  readonly slot: number;
  readonly promised: Ballot;
}

/**
 * The leader of `ballot` is alive; every slot below `commit` is chosen. With a `round`, the
 * leader asks to be acknowledged (a read round, reads.ts): a follower that still accepts the
 * ballot answers `heartbeat-ack`, and, with leases, grants the leader its lease.
 */
export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly round?: number;
}

/** The follower still accepts `ballot` after receiving the heartbeat of `round`. */
export interface HeartbeatAck extends Envelope {
  readonly type: 'heartbeat-ack';
  readonly round: number;
}

/** A learner knows every slot below `slot` and asks the leader for the chosen ones after it. */
export interface Catchup extends Envelope {
  readonly type: 'catchup';
  readonly slot: number;
}

/** Chosen values for slots `slot`, `slot + 1`, ... (true whatever ballot sends them). */
export interface Learn<Op> extends Envelope {
  readonly type: 'learn';
  readonly slot: number;
  readonly values: readonly Entry<Op>[];
  readonly commit: number;
}

/**
 * The applied state of every slot below `slot` (all chosen, so true whatever ballot sends it),
 * sent instead of `learn` when the slots asked for were compacted away.
 */
export interface MultiSnapshot extends Envelope, Snapshot {
  readonly type: 'snapshot';
}

export type MultiMessage<Op> =
  | MultiPrepare
  | MultiPromise<Op>
  | MultiAccept<Op>
  | MultiAccepted<Op>
  | MultiRejected
  | Heartbeat
  | HeartbeatAck
  | Catchup
  | Learn<Op>
  | MultiSnapshot;

export type MultiMessageType = MultiMessage<unknown>['type'];

export const MESSAGE_TYPES: readonly MultiMessageType[] = [
  'prepare',
  'promise',
  'accept',
  'accepted',
  'rejected',
  'heartbeat',
  'catchup',
  'learn',
  'snapshot',
  'heartbeat-ack',
];

