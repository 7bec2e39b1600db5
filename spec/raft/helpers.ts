/** Small builders for the Raft tests: a configuration, a server in a chosen state, a scripted cluster of such servers. */
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { NodeId } from '../../lib/core/types';
import * as vec from '../../lib/core/vector';
import { Cluster } from '../../lib/harness/cluster';
import type { RaftMessage } from '../../lib/raft/messages';
import type { RaftConfig, RaftEntry, RaftLog, RaftNodeState, RaftRecord } from '../../lib/raft/state';
import { initRaftNode, raftRecord } from '../../lib/raft/state';
import type { RaftEffect, RaftStep } from '../../lib/raft/step';
import type { RaftHandlers, RaftProtocol } from '../../lib/raft/node';
import { raftProtocol } from '../../lib/raft/node';

export type KvRaft = RaftNodeState<KvState, KvOp, KvResult>;
export type KvMessage = RaftMessage<KvOp>;
export type KvEffect = RaftEffect<KvOp, KvResult>;
export type KvStep = RaftStep<KvState, KvOp, KvResult>;
export type KvCluster = Cluster<KvRaft, KvMessage, KvEffect, RaftRecord<KvOp>, Command<KvOp>>;

export function raftConfig(servers = 3, extra: Partial<RaftConfig<KvState, KvOp, KvResult>> = {}): RaftConfig<KvState, KvOp, KvResult> {
  return { servers: Array.from({ length: servers }, (_, i) => i + 1), machine: kvStore, heartbeat: 1, electionTimeout: 10, seed: 7, ...extra };
}

export function put(client: string, seq: number, value: number, key = 'x'): Command<KvOp> {
  return { client, seq, op: { type: 'put', key, value } };
}

/** A log whose entries have these terms: no-ops, or puts labelled by index where `commands` says so. */
export function logOf(terms: readonly number[], commands = false): RaftLog<KvOp> {
  return vec.fromArray(terms.map((term, i): RaftEntry<KvOp> => (commands ? { term, kind: 'command', command: put('log', i + 1, i + 1) } : { term, kind: 'noop' })));
}

export function termsOf(log: RaftLog<unknown>): number[] {
  return vec.range(log, 0).map((e) => (e as { term: number }).term);
}

/** A server of `config` in the given state. */
export function server(config: RaftConfig<KvState, KvOp, KvResult>, id: NodeId, patch: Partial<KvRaft> = {}): KvRaft {
  return { ...initRaftNode(config, id), ...patch };
}

/** A leader of `term` with `log`, its followers' nextIndex at its log's end (as after an election). */
export function leader(config: RaftConfig<KvState, KvOp, KvResult>, id: NodeId, term: number, log: RaftLog<KvOp> = vec.emptyVector()): KvRaft {
  const nextIndex: Record<number, number> = {};
  const matchIndex: Record<number, number> = {};
  for (const p of config.servers) {
    if (p === id) continue;
    nextIndex[p] = log.size + 1;
    matchIndex[p] = 0;
  }
  return server(config, id, { role: 'leader', currentTerm: term, votedFor: id, leader: id, log, nextIndex, matchIndex });
}

export const sent = (step: KvStep): KvMessage[] => step.effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
export const persisted = (step: KvStep) => step.effects.flatMap((e) => (e.type === 'persist' ? [e.change] : []));

/** A scripted cluster whose servers start in the given states (their durable records match). */
export function clusterOf(config: RaftConfig<KvState, KvOp, KvResult>, states: readonly KvRaft[] = [], handlers?: RaftHandlers<KvState, KvOp, KvResult>): KvCluster {
  const base: RaftProtocol<KvState, KvOp, KvResult> = raftProtocol(config, handlers);
  const preset = new Map(states.map((s) => [s.id, s]));
  const c = new Cluster({ ...base, init: (id) => preset.get(id) ?? base.init(id) });
  for (const s of states) c.durable.set(s.id, raftRecord(s));
  return c;
}

/** Times `id` out until it campaigns, then delivers everything: it should lead. */
export function elect(c: KvCluster, id: NodeId): void {
  for (let i = 0; i < 100 && c.state(id).role === 'follower'; i += 1) c.timeout(id);
  c.deliverAll();
}
