/**
 * The protocol configuration of a real node: the Harbor Point machine, the cluster's members,
 * and logical time in wall-clock terms.
 *
 * Timing (chosen so that a 3-node loopback cluster elects in well under a second, and a
 * heartbeat is far above a loopback round trip plus an fdatasync): one tick is 10 ms; a leader
 * heartbeats (and retransmits unacknowledged accepts) every 5 ticks, 50 ms; a follower that
 * hears no leader for its election timeout, drawn in [15, 30) ticks (150 to 300 ms), campaigns.
 * A first election therefore completes in about 150 to 300 ms after start.
 */
import type { NodeId } from '../../core/types';
import type { HarborOp, HarborResult, HarborState } from '../../machine/harbor';
import { harborStore } from '../../machine/harbor';
import type { StateMachine } from '../../machine/replica';
import { quorumSystem } from '../../paxos/quorum';
import type { MultiPaxosAdapter, ProtocolName, RaftAdapter } from './adapter';
import { multiPaxosAdapter, raftAdapter } from './adapter';

export interface ProtocolTiming {
  /** Ticks between a leader's heartbeats (and retransmissions). */
  readonly heartbeat: number;
  /** Base election timeout in ticks; each timeout is drawn from [T, 2T). */
  readonly electionTimeout: number;
}

export const DEFAULT_TICK_MS = 10;
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
}

export function multiPaxosNodeAdapter<S = HarborState, Op = HarborOp, R = HarborResult>(options: AdapterOptions<S, Op, R>): MultiPaxosAdapter<S, Op, R> {
  const q = quorumSystem({ acceptors: [...options.nodes] });
  if (!q.ok) throw new Error(`synod: ${q.error}`);
  const timing = options.timing ?? DEFAULT_PROTOCOL_TIMING;
  const machine = (options.machine ?? harborStore) as StateMachine<S, Op, R>;
  return multiPaxosAdapter({ quorums: q.quorums, machine, window: WINDOW, batch: BATCH, heartbeat: timing.heartbeat, electionTimeout: timing.electionTimeout, seed: options.seed });
}

export function raftNodeAdapter<S = HarborState, Op = HarborOp, R = HarborResult>(options: AdapterOptions<S, Op, R>): RaftAdapter<S, Op, R> {
  const timing = options.timing ?? DEFAULT_PROTOCOL_TIMING;
  const machine = (options.machine ?? harborStore) as StateMachine<S, Op, R>;
  return raftAdapter({ servers: [...options.nodes], machine, heartbeat: timing.heartbeat, electionTimeout: timing.electionTimeout, seed: options.seed, maxEntries: MAX_ENTRIES });
}

export function nodeAdapter(protocol: ProtocolName, options: AdapterOptions<HarborState, HarborOp, HarborResult>): MultiPaxosAdapter<HarborState, HarborOp, HarborResult> | RaftAdapter<HarborState, HarborOp, HarborResult> {
  return protocol === 'raft' ? raftNodeAdapter(options) : multiPaxosNodeAdapter(options);
}
