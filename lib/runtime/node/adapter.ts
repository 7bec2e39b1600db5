/**
 * What the node driver needs to know of a protocol beyond lib/core/protocol.ts, one small
 * adapter per protocol: which effects are persist changes (and how a change folds into the
 * durable record, so recovery and snapshots agree with the protocol), which are client
 * replies, which are the seed's stages, and a protocol-neutral view of a node for the status
 * endpoint, the metrics and the logs.
 */
import type { Addressed, Protocol } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import type { Command, Reply } from '../../machine/command';
import * as ballots from '../../paxos/ballot';
import type { DurableChange, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord } from '../../multipaxos/node';
import { foldChange, multiPaxosProtocol } from '../../multipaxos/node';
import type { MultiMessage } from '../../multipaxos/messages';
import type { RaftConfig, RaftNodeState, RaftRecord, PersistChange } from '../../raft/state';
import { persistChange } from '../../raft/state';
import type { RaftMessage } from '../../raft/messages';
import type { RaftEffect } from '../../raft/step';
import { raftProtocol } from '../../raft/node';

export type ProtocolName = 'multipaxos' | 'raft';
export const PROTOCOL_NAMES: readonly ProtocolName[] = ['multipaxos', 'raft'];

/** Multi-Paxos ballots are {round, node}; Raft's is its term. */
export type BallotView = { readonly round: number; readonly node: NodeId } | { readonly term: number };

/** A node as the status endpoint, the metrics and the logs see it, under either protocol. */
export interface NodeView {
  readonly role: 'follower' | 'candidate' | 'leader';
  readonly ballot: BallotView;
  /** `41.2` (round.node) or `term 41`. */
  readonly ballotText: string;
  /** The leader this node believes in (0: unknown). */
  readonly leader: NodeId;
  /** Every slot (log index) below it is known chosen. */
  readonly commit: number;
  /** Every slot below it is applied to the machine (equal to commit in both protocols here). */
  readonly applied: number;
  readonly electionsStarted: number;
  readonly electionsWon: number;
}

/** A reply effect: the answer to the client command (client, seq). */
export interface ClientReply<R> {
  readonly client: string;
  readonly seq: number;
  readonly reply: Reply<R>;
}

/** The seed's stages, counted in client commands. */
export interface Observed {
  readonly stage: 'proposed' | 'quorum-acknowledged' | 'committed' | 'applied';
  readonly slot: number;
  readonly commands: number;
}

/** Why an acceptor (voter) refused: the metric `synod_rejections_total{phase, reason}`. */
export interface Rejection {
  readonly phase: 'promise' | 'accept';
  readonly reason: string;
}

export interface ProtocolAdapter<S, M extends Addressed, E, D, Ch, Op, R> {
  readonly name: ProtocolName;
  readonly protocol: Protocol<S, M, E, D, Command<Op>>;
  /** The persist change an effect carries, or null. */
  change(effect: E): Ch | null;
  /**
   * Whether a change may be written without waiting for a sync before the sends of its step
   * (docs/runtime.md, "Lazy records"): true only of a change a crash may lose because the node
   * can derive it again. Multi-Paxos: `learned` (a chosen value is a quorum's durable votes).
   * Raft: none.
   */
  lazy(change: Ch): boolean;
  /** Folds one change into the durable record (what recovery replays, what a snapshot holds). */
  fold(durable: D | undefined, change: Ch): D;
  reply(effect: E): ClientReply<R> | null;
  observed(effect: E): Observed | null;
  view(state: S): NodeView;
  messageType(message: M): string;
  /** The refusal a sent message is, given the message that caused it and the state before, or null. */
  rejection(input: M, sent: M, before: S): Rejection | null;
}

function commandsIn(value: { readonly kind: string; readonly commands?: readonly unknown[] }): number {
  return value.kind === 'batch' ? (value.commands?.length ?? 0) : 0;
}

export type MultiPaxosAdapter<SM, Op, R> = ProtocolAdapter<MultiNodeState<SM, Op, R>, MultiMessage<Op>, MultiEffect<Op, R>, MultiRecord<Op>, DurableChange<Op>, Op, R>;

export function multiPaxosAdapter<SM, Op, R>(config: MultiPaxosConfig<SM, Op, R>): MultiPaxosAdapter<SM, Op, R> {
  return {
    name: 'multipaxos',
    protocol: multiPaxosProtocol(config),
    change: (e) => (e.type === 'persist' ? e.change : null),
    lazy: (c) => c.kind === 'learned',
    fold: foldChange,
    reply: (e) => (e.type === 'reply' ? { client: e.client, seq: e.seq, reply: e.reply } : null),
    observed(e) {
      switch (e.type) {
        case 'stage':
          return { stage: e.stage, slot: e.slot, commands: commandsIn(e.value) };
        case 'chosen':
          return { stage: 'committed', slot: e.slot, commands: commandsIn(e.value) };
        case 'applied':
          return { stage: 'applied', slot: e.slot, commands: e.commands };
        default:
          return null;
      }
    },
    view(s) {
      const { maxBal } = s.acceptor;
      return {
        role: s.leader.role,
        ballot: { round: maxBal.round, node: maxBal.node },
        ballotText: ballots.format(maxBal),
        leader: s.leader.role === 'leader' ? s.id : s.leader.current,
        commit: s.learner.commit,
        applied: s.learner.commit,
        electionsStarted: s.counters.electionsStarted,
        electionsWon: s.counters.electionsWon,
      };
    },
    messageType: (m) => m.type,
    rejection(input, sent) {
      if (sent.type !== 'rejected') return null;
      if (input.type === 'prepare') return { phase: 'promise', reason: 'promised-higher-ballot' };
      if (input.type === 'accept') return { phase: 'accept', reason: 'promised-higher-ballot' };
      return null;
    },
  };
}

export type RaftAdapter<SM, Op, R> = ProtocolAdapter<RaftNodeState<SM, Op, R>, RaftMessage<Op>, RaftEffect<Op, R>, RaftRecord<Op>, PersistChange<Op>, Op, R>;

export function raftAdapter<SM, Op, R>(config: RaftConfig<SM, Op, R>): RaftAdapter<SM, Op, R> {
  return {
    name: 'raft',
    protocol: raftProtocol(config),
    change: (e) => (e.type === 'persist' ? e.change : null),
    lazy: () => false,
    fold: persistChange,
    reply: (e) => (e.type === 'reply' ? { client: e.client, seq: e.seq, reply: e.reply } : null),
    observed(e) {
      switch (e.type) {
        case 'stage':
          return { stage: e.stage, slot: e.slot, commands: e.value.kind === 'command' ? 1 : 0 };
        case 'chosen':
          return { stage: 'committed', slot: e.slot, commands: e.value.kind === 'command' ? 1 : 0 };
        case 'applied':
          return { stage: 'applied', slot: e.slot, commands: e.commands };
        default:
          return null;
      }
    },
    view(s) {
      return {
        role: s.role,
        ballot: { term: s.currentTerm },
        ballotText: `term ${s.currentTerm}`,
        leader: s.leader,
        commit: s.commitIndex,
        applied: s.commitIndex,
        electionsStarted: s.counters.electionsStarted,
        electionsWon: s.counters.electionsWon,
      };
    },
    messageType: (m) => m.type,
    rejection(input, sent, before) {
      if (sent.type === 'vote' && !sent.granted && input.type === 'request-vote') {
        if (input.term < before.currentTerm) return { phase: 'promise', reason: 'stale-term' };
        if (input.term === before.currentTerm && before.votedFor !== 0 && before.votedFor !== input.from) return { phase: 'promise', reason: 'voted-for-another' };
        return { phase: 'promise', reason: 'log-behind' };
      }
      if (sent.type === 'append-reply' && !sent.success && input.type === 'append-entries') {
        return { phase: 'accept', reason: input.term < before.currentTerm ? 'stale-term' : 'log-mismatch' };
      }
      return null;
    },
  };
}
