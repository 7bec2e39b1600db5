/**
 * The protocol configuration of a real node: the Harbor Point machine, the cluster's members,
 * and logical time in wall-clock terms.
 *
 * Timing (chosen so that a 3-node loopback cluster elects in well under a second, and a
 * heartbeat is far above a loopback round trip plus an fdatasync): one tick is 10 ms; a leader
 * heartbeats (and retransmits unacknowledged accepts) every 5 ticks, 50 ms; a follower that
 * hears no leader for its election timeout, drawn in [15, 30) ticks (150 to 300 ms), campaigns.
 * A first election therefore completes in about 150 to 300 ms after start.
 *
 * Log compaction (Multi-Paxos `snapshotEvery`, `--snapshot-every`): every 4096 applied slots by
 * default, the node folds its applied prefix into a snapshot (the replica with its client
 * sessions) and drops the log entries and votes below it; a follower behind the snapshot is
 * sent it. Why 4096: a slot holds up to 64 commands, so a snapshot covers 4,096 to 262,144
 * commands; at the loopback rates measured (about 700 slots/s at one client) that is one
 * snapshot every several seconds under full load, each writing the replica once (a few hundred
 * kB for ten thousand keys, a few ms), while the log between two snapshots stays near 2 MB
 * (two changes, vote and learned, of about 230 bytes per slot). Much smaller would write the
 * replica too often for a large store; much larger would make a restart replay, and a lagging
 * follower fetch slot by slot, a longer log. A follower less than 4096 slots behind still
 * catches up from the log (`learn`), which is cheaper than a whole replica.
 */
import type { NodeId } from '../../core/types';
import type { HarborOp, HarborResult, HarborState } from '../../machine/harbor';
import { harborStore } from '../../machine/harbor';
import type { StateMachine } from '../../machine/replica';
import { quorumSystem } from '../../paxos/quorum';
import type { OwnVote } from '../../multipaxos/state';
import type { MultiPaxosAdapter, ProtocolName, RaftAdapter } from './adapter';
import { multiPaxosAdapter, raftAdapter } from './adapter';

export interface ProtocolTiming {
  /** Ticks between a leader's heartbeats (and retransmissions). */
  readonly heartbeat: number;
  /** Base election timeout in ticks; each timeout is drawn from [T, 2T). */
  readonly electionTimeout: number;
}

export const DEFAULT_TICK_MS = 10;

/** Multi-Paxos log compaction: a snapshot every this many applied slots (0: off). */
export const DEFAULT_SNAPSHOT_EVERY = 4096;

/** Logged changes per slot: a vote and a learned value (the promise is rare). */
const CHANGES_PER_SLOT = 2;

/** Without compaction, the driver's file snapshot every this many logged changes (the whole record). */
export const DEFAULT_FILE_SNAPSHOT_CHANGES = 50_000;

/**
 * When the driver writes its file snapshot (the durable record, then a fresh log): after about
 * as many logged changes as `snapshotEvery` slots produce, so that the files hold at most one
 * compaction interval of log beyond the protocol's snapshot, about twice that in all. With
 * compaction off, every 50,000 changes as before (the record then holds every slot).
 */
export function fileSnapshotChanges(snapshotEvery: number): number {
  return snapshotEvery === 0 ? DEFAULT_FILE_SNAPSHOT_CHANGES : CHANGES_PER_SLOT * snapshotEvery;
}
export const DEFAULT_PROTOCOL_TIMING: ProtocolTiming = { heartbeat: 5, electionTimeout: 15 };

/** Multi-Paxos pipelining and batching, Raft's entries per AppendEntries. */
export const WINDOW = 32;
export const BATCH = 64;
export const MAX_ENTRIES = 256;

export interface AdapterOptions<S, Op, R> {
  readonly nodes: readonly NodeId[];
  /** Seeds the election-timeout generators (with each node's id). */
  readonly seed: number;
  readonly timing?: ProtocolTiming;
  readonly machine?: StateMachine<S, Op, R>;
  /** Multi-Paxos log compaction every this many applied slots (0: off; default `DEFAULT_SNAPSHOT_EVERY`). Raft ignores it. */
  readonly snapshotEvery?: number;
  /** How the Multi-Paxos leader's own acceptor votes (default `DEFAULT_OWN_VOTE`). Raft ignores it. */
  readonly ownVote?: OwnVote;
}

/**
 * A real node's leader sends the accept to its own acceptor as a message (lib/multipaxos
 * `ownVote: 'parallel'`): its accepts to the followers leave at once, and its own vote is
 * written and synced while theirs are, so one fdatasync, not two in a row, lies on the path of
 * a command (docs/runtime.md). `inline` keeps the order of the paper's one-process reading:
 * vote, sync, then send.
 */
export const DEFAULT_OWN_VOTE: OwnVote = 'parallel';

export function multiPaxosNodeAdapter<S = HarborState, Op = HarborOp, R = HarborResult>(options: AdapterOptions<S, Op, R>): MultiPaxosAdapter<S, Op, R> {
  const q = quorumSystem({ acceptors: [...options.nodes] });
  if (!q.ok) throw new Error(`synod: ${q.error}`);
  const timing = options.timing ?? DEFAULT_PROTOCOL_TIMING;
  const machine = (options.machine ?? harborStore) as StateMachine<S, Op, R>;
  const snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  const ownVote = options.ownVote ?? DEFAULT_OWN_VOTE;
  return multiPaxosAdapter({ quorums: q.quorums, machine, window: WINDOW, batch: BATCH, heartbeat: timing.heartbeat, electionTimeout: timing.electionTimeout, seed: options.seed, snapshotEvery, ownVote });
}

export function raftNodeAdapter<S = HarborState, Op = HarborOp, R = HarborResult>(options: AdapterOptions<S, Op, R>): RaftAdapter<S, Op, R> {
  const timing = options.timing ?? DEFAULT_PROTOCOL_TIMING;
  const machine = (options.machine ?? harborStore) as StateMachine<S, Op, R>;
  return raftAdapter({ servers: [...options.nodes], machine, heartbeat: timing.heartbeat, electionTimeout: timing.electionTimeout, seed: options.seed, maxEntries: MAX_ENTRIES });
}

export function nodeAdapter(protocol: ProtocolName, options: AdapterOptions<HarborState, HarborOp, HarborResult>): MultiPaxosAdapter<HarborState, HarborOp, HarborResult> | RaftAdapter<HarborState, HarborOp, HarborResult> {
  return protocol === 'raft' ? raftNodeAdapter(options) : multiPaxosNodeAdapter(options);
}
