/**
 * Multi-Paxos (lib/multipaxos) as a simulation subject: `synod sim --protocol multipaxos`.
 *
 * The cluster for `--nodes N`: nodes 1..N, every one an acceptor, a potential leader and a
 * replica of the key-value store. Clients may send to any node (a non-leader answers with a
 * redirect, which is not an acknowledgement; the simulator's client then retries at another
 * random node). A command is acknowledged by an "ok" reply: the simulator's closed-loop client
 * moves on only then.
 *
 * Time: the simulator's timer events are the protocol's ticks. The leader heartbeats (and
 * retransmits unacknowledged accepts) at every tick; a follower campaigns after 3-5 of its
 * own ticks without hearing a leader.
 *
 * Commands: client c's k-th command is a key-value operation drawn from (c, k) alone (two keys,
 * put / get / cas / delete; every put writes a value no other command writes), so a run is a
 * function of its seed and (client, k) always names the same command.
 *
 * Checks: every invariant of lib/invariants/log.ts and the per-slot ones of voting.ts, from
 * the snapshot (`check`) or incrementally (`monitor`, the same predicates fed step by step),
 * plus `ChosenIsStable` over the `chosen` effects. The journal records the clients' history in
 * Jepsen's format, each completion with the value its command observed (docs/history.md), and
 * reports whether it is linearizable (lib/history/linearizability.ts).
 */
import type { Ack, ReplicaView } from '../invariants/log';
import { appliedText, checkLog, LogMonitor } from '../invariants/log';
import type { Violation } from '../invariants/voting';
import { lookup } from '../core/hashmap';
import type { KvOp, KvResult, KvState } from '../machine/kv';
import { kvStore } from '../machine/kv';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { ClientRequest, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord, OwnVote, ReadMode, Roles } from '../multipaxos/node';
import type { Reply } from '../machine/command';
import { multiPaxosProtocol, observedMessage } from '../multipaxos/node';
import { describeMessage } from '../multipaxos/format';
import * as vec from '../core/vector';
import * as ballots from '../paxos/ballot';
import { quorumSystem } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import { multiPaxosMutant } from '../zoo/multipaxos';
import type { Journal, Monitor, Snapshot, StageEvent, Subject, SubjectReport } from './subject';
import { KvClientHistory } from './kv-history';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Message = MultiMessage<KvOp>;
type Effect = MultiEffect<KvOp, KvResult>;
type Cmd = ClientRequest<KvOp>;

export type MultiPaxosSubject = Subject<State, Message, Effect, MultiRecord<KvOp>, Cmd>;

export interface MultiPaxosSubjectOptions {
  readonly nodes: number;
  /** A broken variant from lib/zoo/multipaxos.ts, by name. */
  readonly mutant?: string;
  readonly window?: number;
  readonly batch?: number;
  /** Log compaction every this many applied slots (`synod sim --snapshot-every N`); default off. */
  readonly snapshotEvery?: number;
  /** How clients read (a get's mode); `mix` draws one of the four per command. Default `log`. */
  readonly reads?: ReadChoice;
  /** The clock-drift bound the leases rest on (with `reads` lease or mix); default 0. */
  readonly driftBound?: number;
  /** Ticks of its own clock a follower grants a lease for; default `SIM_LEASE_TICKS`. */
  readonly leaseTicks?: number;
  /** A read-heavy workload: three commands in four are gets (`kvCommand`); default one in four. */
  readonly readHeavy?: boolean;
  /** How the leader's own acceptor votes (lib/multipaxos/state.ts `ownVote`); default `inline`. */
  readonly ownVote?: OwnVote;
}

export type ReadChoice = ReadMode | 'mix';
export const READ_CHOICES: readonly ReadChoice[] = ['log', 'read-index', 'lease', 'follower', 'mix'];

/** Ticks of its own clock a follower grants a lease for (the election timeout is 3-5 ticks). */
export const SIM_LEASE_TICKS = 6;

export function multiPaxosSimConfig(options: MultiPaxosSubjectOptions): MultiPaxosConfig<KvState, KvOp, KvResult> {
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const q = quorumSystem({ acceptors: ids });
  if (!q.ok) throw new Error(`synod: ${q.error}`);
  return {
    quorums: q.quorums,
    machine: kvStore,
    window: options.window ?? 4,
    batch: options.batch ?? 4,
    heartbeat: 1,
    electionTimeout: 3,
    seed: 0x5eed,
    startRound: 40,
    ...(options.snapshotEvery === undefined || options.snapshotEvery === 0 ? {} : { snapshotEvery: options.snapshotEvery }),
    ...(options.ownVote === undefined || options.ownVote === 'inline' ? {} : { ownVote: options.ownVote }),
    ...readsConfig(options),
  };
}

function readsConfig(options: MultiPaxosSubjectOptions): Pick<MultiPaxosConfig<KvState, KvOp, KvResult>, 'reads'> {
  const reads = options.reads ?? 'log';
  if (reads === 'log') return {};
  const query = (op: KvOp): boolean => op.type === 'get';
  if (reads !== 'lease' && reads !== 'mix') return { reads: { query } };
  return { reads: { query, lease: { ticks: options.leaseTicks ?? SIM_LEASE_TICKS, drift: options.driftBound ?? 0 } } };
}

/** Client c's k-th command with its read mode: a get asks for `reads` (mix: one of the four, by (c, k)). */
export function kvRequest(reads: ReadChoice, client: number, k: number, readHeavy = false): Cmd {
  const c = kvCommand(client, k, readHeavy);
  if (reads === 'log' || c.op.type !== 'get') return c;
  if (reads !== 'mix') return { ...c, read: reads };
  const h = Math.imul(client * 1009 + k + 1, 0x9e3779b1) >>> 0;
  const mode: ReadMode = (['log', 'read-index', 'lease', 'follower'] as const)[h >>> 30]!;
  return mode === 'log' ? c : { ...c, read: mode };
}

/** A request answered outside the log: it never takes a slot, so the log's invariants do not count it. */
const outsideLog = (e: OkReply): boolean => e.read !== undefined;

/**
 * Client c's k-th command: a function of (c, k) alone: a get, put, cas or delete, one in four
 * each, or with `readHeavy` a get three times in four and each other kind one in twelve.
 */
export function kvCommand(client: number, k: number, readHeavy = false): Cmd {
  let h = Math.imul(client + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  const key = (h & 1) === 0 ? 'x' : 'y';
  const value = (client + 1) * 100_000 + k + 1;
  const draw = (h >>> 1) % (readHeavy ? 12 : 4);
  const kind = !readHeavy ? draw : draw < 9 ? 0 : draw - 8;
  const op: KvOp =
    kind === 0 ? { type: 'get', key }
      : kind === 1 ? { type: 'put', key, value }
        : kind === 2 ? { type: 'cas', key, expect: (h >>> 3) % 2 === 0 ? null : value - 1, value }
          : { type: 'delete', key };
  return { client: `c${client}`, seq: k + 1, op };
}

/** What the invariants read of a node; with compaction, its snapshot point and applied state too. */
function view(s: State): ReplicaView<KvOp> {
  const v = { id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit };
  const snap = s.learner.snapshot;
  return snap === null ? v : { ...v, base: snap.slot, applied: appliedText(s.learner.replica) };
}

/** The first slot a node still holds in its log: every slot below is in its snapshot. */
const basePoint = (s: State): number => s.learner.snapshot?.slot ?? 0;

type OkReply = Extract<Effect, { type: 'reply' }> & { readonly reply: Extract<Reply<KvResult>, { status: 'ok' }> };

const isOk = (e: Effect): e is OkReply => e.type === 'reply' && e.reply.status === 'ok';

/** ChosenIsStable over the `chosen` effects: a replica still holds every value it learned. */
function chosenStable(nodes: readonly State[], learned: readonly { node: NodeId; slot: number; value: Entry<KvOp> }[]): Violation | null {
  for (const l of learned) {
    const n = nodes.find((s) => s.id === l.node);
    // Below the snapshot, the value is folded into the applied state that LogPrefixAgreement compares.
    if (n !== undefined && l.slot < basePoint(n)) continue;
    const now = n === undefined ? undefined : vec.get(n.learner.log, l.slot);
    if (now === undefined || JSON.stringify(now) !== JSON.stringify(l.value)) {
      return {
        invariant: 'ChosenIsStable',
        slot: l.slot,
        ballots: [],
        nodes: [l.node],
        description: `replica ${l.node} learned ${JSON.stringify(l.value)} at slot ${l.slot} and now holds ${now === undefined ? 'nothing' : JSON.stringify(now)}`,
      };
    }
  }
  return null;
}

class MultiPaxosMonitor implements Monitor<State, Message, Effect, Cmd> {
  private readonly log: LogMonitor<KvOp>;
  private readonly nodes: State[] = [];
  private readonly learned = new Map<NodeId, Map<number, string>>();
  private failed: Violation[] = [];
  private dirty = true;

  constructor(config: MultiPaxosConfig<KvState, KvOp, KvResult>) {
    this.log = new LogMonitor(config.quorums);
  }

  state(index: number, state: State): void {
    const before = this.nodes[index];
    this.nodes[index] = state;
    this.dirty = true;
    // A recovery (or a bug) can only lose what was learned if the log shrank: check it all then.
    if (before !== undefined && (state.learner.log.size < before.learner.log.size || state.learner.commit < before.learner.commit)) {
      const learned = this.learned.get(state.id) ?? new Map<number, string>();
      for (const [slot, text] of learned) {
        if (slot < basePoint(state)) continue;
        const now = vec.get(state.learner.log, slot);
        if (now === undefined || JSON.stringify(now) !== text) {
          this.failed.push({ invariant: 'ChosenIsStable', slot, ballots: [], nodes: [state.id], description: `replica ${state.id} lost slot ${slot}` });
        }
      }
    }
  }

  sent(message: Message): void {
    this.log.message(message);
    this.dirty = true;
  }

  command(command: Cmd): void {
    this.log.request(command);
  }

  observed(node: NodeId, effect: Effect): void {
    this.dirty = true;
    const m = observedMessage(effect);
    if (m !== null) this.log.message(m);
    if (isOk(effect) && !outsideLog(effect)) this.log.ack({ node: effect.node, client: effect.client, seq: effect.seq });
    if (effect.type === 'chosen') {
      const learned = this.learned.get(node) ?? new Map<number, string>();
      learned.set(effect.slot, JSON.stringify(effect.value));
      this.learned.set(node, learned);
    }
  }

  violated(): boolean {
    if (this.dirty) {
      this.failed.push(...this.log.check(this.nodes.map(view)));
      this.dirty = false;
    }
    return this.failed.length > 0;
  }
}

/** The clients' history, in Jepsen's format, and the run's counters for the report. */
class HistoryJournal implements Journal<State, Effect, Cmd> {
  /** `readCounters`: whether clients read outside the log (the report then sums the nodes' read counters). */
  constructor(private readonly readCounters = false) {}

  private readonly clients = new KvClientHistory();
  private elections = 0;
  /** Every slot's chosen value as first learned (for the slots a replica compacted away). */
  private readonly chosen = new Map<number, Entry<KvOp>>();

  command(command: Cmd): void {
    this.clients.invoke(command);
  }

  effect(node: NodeId, effect: Effect): void {
    if (effect.type === 'local' && effect.message.type === 'promise') this.elections += 1;
    if (effect.type === 'chosen' && !this.chosen.has(effect.slot)) this.chosen.set(effect.slot, effect.value);
    if (isOk(effect)) this.clients.ok(node, effect.client, effect.seq, effect.reply.result, effect.read?.mode);
  }

  report(final: { readonly nodes: readonly State[]; readonly messages: number }): SubjectReport {
    const longest = final.nodes.reduce<State | null>((a, b) => (a === null || b.learner.commit > a.learner.commit ? b : a), null);
    const applied = new Set<string>();
    if (longest !== null) {
      for (const e of appliedLog(longest, this.chosen)) if (e?.kind === 'batch') for (const c of e.commands) applied.add(commandKey(c));
    }
    const committed = committedCommands(final.nodes, this.chosen);
    const clients = this.clients.verdict(committed, final.messages);
    return {
      fields: {
        committed,
        applied: applied.size,
        acknowledged: this.clients.acknowledged,
        elections: this.elections,
        ...clients.fields,
        ...(this.readCounters ? { readCounters: readCounters(final.nodes) } : {}),
      },
      ok: clients.ok,
      history: clients.history,
    };
  }
}

/**
 * The read roles' counters summed over the nodes: heartbeat rounds started, lease reads
 * answered from the lease (hits) and lease reads that found it expired (answered through a
 * round instead, or redirected). Counted since each node's last restart: a crash loses its
 * counters with the rest of its volatile state.
 */
function readCounters(nodes: readonly State[]): { rounds: number; leaseHits: number; leaseExpiries: number } {
  const sum = { rounds: 0, leaseHits: 0, leaseExpiries: 0 };
  for (const n of nodes) {
    const r = n.counters.reads;
    if (r === undefined) continue;
    sum.rounds += r.rounds;
    sum.leaseHits += r.leaseHits;
    sum.leaseExpiries += r.leaseExpiries;
  }
  return sum;
}

/** Commands in the longest chosen prefix any replica knows (a lower bound on what is committed). */
function committedCommands(nodes: readonly State[], chosen: ReadonlyMap<number, Entry<KvOp>>): number {
  const seen = new Set<string>();
  for (const n of nodes) {
    for (const e of appliedLog(n, chosen)) if (e?.kind === 'batch') for (const c of e.commands) seen.add(commandKey(c));
  }
  return seen.size;
}

/** A replica's applied log: the slots it compacted as they were chosen, then its own log up to the commit point. */
function appliedLog(n: State, chosen: ReadonlyMap<number, Entry<KvOp>>): (Entry<KvOp> | undefined)[] {
  const base = basePoint(n);
  const compacted = Array.from({ length: base }, (_, slot) => chosen.get(slot));
  return base === 0 ? vec.range(n.learner.log, 0, n.learner.commit) : [...compacted, ...vec.range(n.learner.log, base, n.learner.commit)];
}

/** The stage a Multi-Paxos effect reports, as traces print it (null for effects that report none). */
export function multiPaxosStage<Op, R>(effect: MultiEffect<Op, R>): StageEvent | null {
  if (effect.type === 'stage') return { stage: effect.stage, slot: effect.slot, value: effect.value, ballot: ballots.format(effect.ballot) };
  if (effect.type === 'chosen') return { stage: 'chosen', slot: effect.slot, value: effect.value };
  if (effect.type === 'applied') return { stage: 'applied', slot: effect.slot, value: effect.commands };
  return null;
}

export function multiPaxosSubject(options: MultiPaxosSubjectOptions): MultiPaxosSubject {
  const config = multiPaxosSimConfig(options);
  let roles: Roles | undefined;
  if (options.mutant !== undefined) {
    const mutant = multiPaxosMutant(options.mutant);
    if (mutant === undefined) throw new Error(`synod: unknown multipaxos mutant '${options.mutant}'`);
    roles = mutant.roles;
  }
  const protocol = multiPaxosProtocol(config, roles);
  const reads = options.reads ?? 'log';
  const readHeavy = options.readHeavy === true;
  return {
    protocol,
    targets: protocol.nodes,
    command: reads === 'log' ? (client, k) => kvCommand(client, k, readHeavy) : (client, k) => kvRequest(reads, client, k, readHeavy),
    check(snapshot: Snapshot<State, Message, Effect, Cmd>): Violation[] {
      const messages = [...snapshot.messages];
      const acks: Ack[] = [];
      const learned: { node: NodeId; slot: number; value: Entry<KvOp> }[] = [];
      for (const { node, effect } of snapshot.observed) {
        const m = observedMessage(effect);
        if (m !== null && effect.type === 'local') messages.push(m);
        if (isOk(effect) && !outsideLog(effect)) acks.push({ node: effect.node, client: effect.client, seq: effect.seq });
        if (effect.type === 'chosen') learned.push({ node, slot: effect.slot, value: effect.value });
      }
      const found = checkLog({ quorums: config.quorums, nodes: snapshot.nodes.map(view), messages, requested: snapshot.commands, acks });
      const stable = chosenStable(snapshot.nodes, learned);
      return stable === null ? found : [...found, stable];
    },
    monitor: () => new MultiPaxosMonitor(config),
    journal: () => new HistoryJournal(reads !== 'log'),
    decided: (nodes) => nodes.reduce((most, n) => Math.max(most, n.learner.commit), 0),
    settled(nodes, commands) {
      if (commands.length === 0) return false;
      // A read answered outside the log leaves no session behind: only the log's commands settle.
      const logged = reads === 'log' ? commands : commands.filter((c) => c.read === undefined || c.read === 'log' || c.op.type !== 'get');
      return nodes.some((n) =>
        logged.every((c) => {
          const s = lookup(n.learner.replica.sessions, c.client);
          return s !== undefined && s.seq >= c.seq;
        }),
      );
    },
    chosen(snapshot) {
      const tallies = new Map<string, Set<NodeId>>();
      const slots = new Set<number>();
      const count = (m: MultiMessage<KvOp>): void => {
        if (m.type !== 'accepted') return;
        const k = `${m.slot}|${ballots.format(m.ballot)}`;
        const voters = tallies.get(k) ?? new Set<NodeId>();
        voters.add(m.from);
        tallies.set(k, voters);
        if (voters.size >= config.quorums.phase2) slots.add(m.slot);
      };
      snapshot.messages.forEach(count);
      for (const { effect } of snapshot.observed) if (effect.type === 'local') count(effect.message);
      return slots.size;
    },
    stage: (_node, effect) => multiPaxosStage(effect),
    observe: (effect) => effect.type === 'local' || effect.type === 'chosen' || isOk(effect),
    acked(_node, effect) {
      if (!isOk(effect)) return null;
      const m = /^c(\d+)$/.exec(effect.client);
      return m === null ? null : { client: Number(m[1]), k: effect.seq - 1 };
    },
    replied(_node, effect) {
      return effect.type === 'reply' && effect.reply.status === 'indeterminate' ? { client: effect.client, seq: effect.seq, status: effect.reply.status } : null;
    },
    describe: (m) => describeMessage(m),
  };
}
