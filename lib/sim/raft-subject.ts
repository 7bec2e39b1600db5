/**
 * Raft (lib/raft) as a simulation subject: `synod sim --protocol raft`.
 *
 * The same cluster, clients and commands as the Multi-Paxos subject (./multipaxos-subject.ts):
 * servers 1..N, each a replica of the key-value store of lib/machine; client c's k-th command is
 * the same key-value operation under both protocols; a command is acknowledged by an "ok"
 * reply; a follower's redirect and a deposed leader's "indeterminate" make the client retry.
 * Time: a leader sends AppendEntries at every tick; a follower campaigns after 3-5 of its own
 * ticks without hearing a leader (the same timing as the Multi-Paxos subject).
 *
 * Reads (`--reads`, as under Multi-Paxos): a get asks for log, read-index, lease or follower
 * (mix: one per command, by (client, k)); a read answered outside the log takes no index, so
 * the log's checks do not count its reply, and the history checker does (follower reads apart,
 * as stale). Leases are the Multi-Paxos subject's: followers grant 6 ticks, shortened for the
 * leader by the clock-drift bound (`driftBound`, the simulator's `--drift` unless told apart).
 *
 * Checks: Raft's own invariants and the shared ones (lib/invariants/raft.ts), after every step,
 * from the snapshot (`check`) or incrementally (`monitor`); the journal records the client
 * history in Jepsen's format and reports whether it is linearizable.
 */
import type { HistoryRecord } from '../history/linearizability';
import type { Commit, RaftAck, RaftView } from '../invariants/raft';
import { RaftHistory, checkRaft, checkRaftStates } from '../invariants/raft';
import { describeRaftMessage } from '../raft/format';
import type { Violation } from '../invariants/voting';
import { lookup } from '../core/hashmap';
import type { KvOp, KvResult, KvState } from '../machine/kv';
import { kvStore } from '../machine/kv';
import type { Command, Reply } from '../machine/command';
import { commandKey } from '../machine/command';
import type { NodeId } from '../core/types';
import type { RaftMessage } from '../raft/messages';
import type { RaftConfig, RaftNodeState, RaftRecord } from '../raft/state';
import { entriesBetween } from '../raft/state';
import type { RaftEffect } from '../raft/step';
import type { RaftHandlers } from '../raft/node';
import { raftProtocol } from '../raft/node';
import { raftSimMutant } from '../zoo/raft';
import type { ReadChoice } from './multipaxos-subject';
import { kvCommand, kvRequest, SIM_LEASE_TICKS } from './multipaxos-subject';
import type { KvRequest } from './kv-history';
import { KvClientHistory } from './kv-history';
import type { Journal, Monitor, Snapshot, StageEvent, Subject } from './subject';

type State = RaftNodeState<KvState, KvOp, KvResult>;
type Message = RaftMessage<KvOp>;
type Effect = RaftEffect<KvOp, KvResult>;
type Cmd = Command<KvOp>;

export { describeRaftMessage };

export type RaftSubject = Subject<State, Message, Effect, RaftRecord<KvOp>, Cmd>;

export interface RaftSubjectOptions {
  readonly nodes: number;
  /** A broken variant from lib/zoo/raft.ts, by name. */
  readonly mutant?: string;
  /** How clients read (a get's mode), as under Multi-Paxos; `mix` draws one of the four per command. Default `log`. */
  readonly reads?: ReadChoice;
  /** The clock-drift bound the leases rest on (with `reads` lease or mix); default 0. */
  readonly driftBound?: number;
  /** The ticks a follower's grant lasts (with `reads` lease or mix); default `SIM_LEASE_TICKS`, as under Multi-Paxos. */
  readonly leaseTicks?: number;
  /** Three commands in four are gets (the lease hunts: a read must reach a deposed leader in time); as under Multi-Paxos. */
  readonly readHeavy?: boolean;
}

export function raftSimConfig(options: RaftSubjectOptions): RaftConfig<KvState, KvOp, KvResult> {
  const base = { servers: Array.from({ length: options.nodes }, (_, i) => i + 1), machine: kvStore, heartbeat: 1, electionTimeout: 3, seed: 0x5eed, maxEntries: 16 };
  const reads = options.reads ?? 'log';
  if (reads === 'log') return base;
  const query = (op: KvOp): boolean => op.type === 'get';
  // The same lease as the Multi-Paxos subject's: followers grant 6 ticks (the election timeout is 3-5).
  if (reads !== 'lease' && reads !== 'mix') return { ...base, reads: { query } };
  return { ...base, reads: { query, lease: { ticks: options.leaseTicks ?? SIM_LEASE_TICKS, drift: options.driftBound ?? 0 } } };
}

type OkReply = Extract<Effect, { type: 'reply' }> & { readonly reply: Extract<Reply<KvResult>, { status: 'ok' }> };

const isOk = (e: Effect): e is OkReply => e.type === 'reply' && e.reply.status === 'ok';

/** An "ok" for a command in the log: a read answered outside it never takes an index, so the log's checks do not count it. */
const isLogAck = (e: Effect): e is OkReply => isOk(e) && e.read === undefined;

export function raftView(s: State): RaftView<KvOp> {
  return { id: s.id, role: s.role, currentTerm: s.currentTerm, log: s.log, commitIndex: s.commitIndex };
}

/**
 * The history checks fed step by step (Leader Append-Only among them, on the AppendEntries a
 * leader sends), the state checks recomputed when a state changed.
 */
class RaftMonitor implements Monitor<State, Message, Effect, Cmd> {
  private readonly history = new RaftHistory<KvOp>();
  private readonly nodes: State[] = [];
  private dirty = true;
  private failed = false;

  state(index: number, state: State): void {
    this.nodes[index] = state;
    this.dirty = true;
  }

  sent(message: Message): void {
    this.history.message(message);
  }

  command(): void {}

  observed(node: NodeId, effect: Effect): void {
    if (effect.type === 'chosen') this.history.commit({ node, index: effect.slot, entry: effect.value });
    if (isLogAck(effect)) this.history.ack({ node: effect.node, client: effect.client, seq: effect.seq });
    this.dirty = true;
  }

  violated(): boolean {
    if (this.failed || this.history.found.length > 0) return (this.failed = true);
    if (!this.dirty) return false;
    this.dirty = false;
    const views = this.nodes.map(raftView);
    this.failed = checkRaftStates(views).length > 0 || this.nodes.some((s) => this.history.stable(raftView(s)).length > 0);
    return this.failed;
  }
}

/** The clients' history, in Jepsen's format, and the run's counters for the report. */
class RaftJournal implements Journal<State, Effect, Cmd> {
  private readonly clients = new KvClientHistory();
  /** Elections started (as the Multi-Paxos journal counts them: campaigns), and won. */
  private elections = 0;
  private won = 0;

  command(command: Cmd): void {
    this.clients.invoke(command);
  }

  effect(node: NodeId, effect: Effect): void {
    // A campaign persists the new term with a vote for the server itself.
    if (effect.type === 'persist' && effect.change.kind === 'hard-state' && effect.change.votedFor === node) this.elections += 1;
    if (effect.type === 'elected') this.won += 1;
    if (isOk(effect)) this.clients.ok(node, effect.client, effect.seq, effect.reply.result, effect.read?.mode);
  }

  report(final: { readonly nodes: readonly State[]; readonly messages: number }): { readonly fields: Record<string, unknown>; readonly ok: boolean; readonly history: readonly HistoryRecord[] } {
    const committed = committedCommands(final.nodes);
    const clients = this.clients.verdict(committed, final.messages);
    const longest = final.nodes.reduce((most, n) => Math.max(most, n.commitIndex), 0);
    return {
      fields: {
        committed,
        applied: final.nodes.reduce((most, n) => Math.max(most, n.counters.applied), 0),
        acknowledged: this.clients.acknowledged,
        elections: this.elections,
        leadersElected: this.won,
        commitIndex: longest,
        ...clients.fields,
      },
      ok: clients.ok,
      history: clients.history,
    };
  }
}

/** A command answered outside the log: a read-only operation asking for a mode other than `log` (lib/raft/node.ts `requestRaft`). */
function outsideLog(config: RaftConfig<KvState, KvOp, KvResult>, c: KvRequest): boolean {
  return config.reads !== undefined && config.reads.query(c.op) && c.read !== undefined && c.read !== 'log';
}

/** Commands in the committed prefixes the servers hold now. */
function committedCommands(nodes: readonly State[]): number {
  const seen = new Set<string>();
  for (const n of nodes) for (const e of entriesBetween(n.log, 1, n.commitIndex)) if (e.kind === 'command') seen.add(commandKey(e.command));
  return seen.size;
}

export function raftSubject(options: RaftSubjectOptions): RaftSubject {
  const config = raftSimConfig(options);
  let handlers: RaftHandlers<KvState, KvOp, KvResult> | undefined;
  if (options.mutant !== undefined) {
    const mutant = raftSimMutant(options.mutant);
    if (mutant === undefined) throw new Error(`synod: unknown raft mutant '${options.mutant}'`);
    handlers = mutant.handlers<KvState, KvOp, KvResult>();
  }
  const protocol = raftProtocol(config, handlers);
  const reads = options.reads ?? 'log';
  const readHeavy = options.readHeavy === true;
  return {
    protocol,
    targets: protocol.nodes,
    command: reads === 'log' ? (client, k) => kvCommand(client, k, readHeavy) : (client, k) => kvRequest(reads, client, k, readHeavy),
    check(snapshot: Snapshot<State, Message, Effect, Cmd>): Violation[] {
      const commits: Commit<KvOp>[] = [];
      const acks: RaftAck[] = [];
      for (const { node, effect } of snapshot.observed) {
        if (effect.type === 'chosen') commits.push({ node, index: effect.slot, entry: effect.value });
        if (isLogAck(effect)) acks.push({ node: effect.node, client: effect.client, seq: effect.seq });
      }
      return checkRaft({ servers: snapshot.nodes.map(raftView), messages: snapshot.messages, commits, acks });
    },
    monitor: () => new RaftMonitor(),
    journal: () => new RaftJournal(),
    decided: (nodes) => nodes.reduce((most, n) => Math.max(most, n.commitIndex), 0),
    settled(nodes, commands) {
      if (commands.length === 0) return false;
      // A read answered outside the log leaves no session behind: only the log's commands settle.
      const logged = reads === 'log' ? commands : commands.filter((c) => !outsideLog(config, c));
      return nodes.some((n) => logged.every((c) => (lookup(n.replica.sessions, c.client)?.seq ?? 0) >= c.seq));
    },
    chosen(snapshot) {
      let most = 0;
      for (const { effect } of snapshot.observed) if (effect.type === 'chosen') most = Math.max(most, effect.slot);
      return most;
    },
    stage(_node, effect): StageEvent | null {
      if (effect.type === 'stage') return { stage: effect.stage, slot: effect.slot, value: effect.value, ballot: String(effect.term) };
      if (effect.type === 'chosen') return { stage: 'chosen', slot: effect.slot, value: effect.value };
      if (effect.type === 'applied') return { stage: 'applied', slot: effect.slot, value: effect.commands };
      return null;
    },
    observe: (effect) => effect.type === 'chosen' || isOk(effect),
    acked(_node, effect) {
      if (!isOk(effect)) return null;
      const m = /^c(\d+)$/.exec(effect.client);
      return m === null ? null : { client: Number(m[1]), k: effect.seq - 1 };
    },
    replied(_node, effect) {
      return effect.type === 'reply' && effect.reply.status === 'indeterminate' ? { client: effect.client, seq: effect.seq, status: effect.reply.status } : null;
    },
    describe: describeRaftMessage,
  };
}
