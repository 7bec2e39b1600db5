/**
 * The browser view's driver, as a pure, deterministic session: a script (a configuration, a
 * setup that runs before frame 0, and a list of primitive operations) plus the list of user
 * actions (each tagged with the step at which the user made it) gives the frame at every step.
 * The page holds nothing else: stepping back to n - 1 is a replay of the same script and
 * actions from the start (`frameAt`), which is what makes every state shareable as a URL.
 *
 * It drives the real protocols (lib/multipaxos, lib/raft, and a bug-zoo variant of either)
 * through the scripted cluster of lib/harness, which keeps the driver's rule (a step's
 * persists are durable before its sends leave), and checks the invariants of lib/invariants
 * after every step (LogMonitor for Multi-Paxos, RaftHistory and the state checks for Raft).
 *
 * One step is one primitive: a message delivered, dropped or duplicated, one node's timer
 * firing, a client command, a crash, a restart, a partition or its heal. Which one comes next:
 * a user action made at this step, else the script's next operation, else the automatic
 * scheduler (the oldest message in flight is delivered; with none in flight, the next live
 * node's timer fires, round robin). A script operation that no longer applies (a message a
 * user dropped, a timer of a node a user crashed) is skipped, and the frame says so.
 */
import type { Addressed, Protocol } from '../core/protocol';
import type { NodeId } from '../core/types';
import { Cluster } from '../harness/cluster';
import type { ClusterEvent } from '../harness/cluster';
import { modelConfig } from '../check/multipaxos';
import { raftModelConfig } from '../check/raft';
import { multiPaxosSimConfig } from '../sim/multipaxos-subject';
import { raftSimConfig } from '../sim/raft-subject';
import { LogMonitor } from '../invariants/log';
import type { ReplicaView } from '../invariants/log';
import { checkRaftStates, RaftHistory } from '../invariants/raft';
import type { RaftView } from '../invariants/raft';
import type { Command } from '../machine/command';
import { bookingAuthority } from '../machine/booking';
import type { StateMachine } from '../machine/replica';
import { majorities } from '../paxos/quorum';
import type { MultiMessage } from '../multipaxos/messages';
import type { MultiEffect, MultiNodeState, MultiPaxosConfig } from '../multipaxos/node';
import { multiPaxosProtocol, observedMessage } from '../multipaxos/node';
import type { RaftMessage } from '../raft/messages';
import type { RaftConfig, RaftNodeState } from '../raft/state';
import type { RaftEffect } from '../raft/step';
import { raftProtocol } from '../raft/node';
import { multiPaxosMutant } from '../zoo/multipaxos';
import { raftMutant } from '../zoo/raft';
import { HARBOR_LOG_CONFIG } from '../demo/multipaxos';
import { HARBOR_CONFIG } from '../demo/single-decree';
import { singleDecreeModel } from '../check/paxos';
import { paxosConfig } from '../sim/paxos-subject';
import { checkPaxos } from '../invariants/paxos';
import type { Message as DecreeMessage } from '../paxos/messages';
import type { NodeState as DecreeNodeState, PaxosConfig } from '../paxos/node';
import { paxosProtocol } from '../paxos/node';
import { paxosMutant } from '../zoo/paxos';
import type { PaxosMutantName } from '../zoo/paxos';
import type { NodeView } from './views';
import { decreeLabel, decreeLine, decreeView, multiPaxosLabel, multiPaxosLine, multiPaxosView, raftLabel, raftLine, raftView } from './views';

export type ProtocolName = 'multipaxos' | 'raft' | 'single-decree';

/**
 * Whose configuration the nodes run with: `web` (the page's own: election timeouts of 10 to 19
 * ticks, the booking authority), `harbor` (the Harbor Point demo's, lib/demo/multipaxos.ts),
 * `check` (the model checker's: tiny timeouts, the key-value store) or `sim` (the simulator's).
 */
export type Setting = 'web' | 'harbor' | 'check' | 'sim';

export interface SessionConfig {
  readonly protocol: ProtocolName;
  readonly nodes: number;
  readonly seed: number;
  readonly setting: Setting;
  /** A bug-zoo variant of the protocol (lib/zoo), by name. */
  readonly mutant?: string;
  /** Multi-Paxos log compaction every this many slots (a trace of a run with it on). */
  readonly snapshotEvery?: number;
  /**
   * Single-decree Paxos: who plays which role. Under `check`, the model checker's options
   * (default: the mutant's smallest configuration, else 3 acceptors and 2 proposers); under
   * `sim` and `web`, only `proposers` counts (default min(nodes, 3)).
   */
  readonly decree?: DecreeSetup;
}

export interface DecreeSetup {
  readonly acceptors?: number;
  readonly proposers?: number;
  readonly learners?: number;
  readonly phase1?: number;
  readonly phase2?: number;
  readonly separate?: boolean;
}

export const MIN_NODES = 3;
export const MAX_NODES = 7;

type Msg = Addressed & { readonly type: string };

/** What a client hands a node: a command of the replicated machine, or (single-decree Paxos) the value to propose. */
export type Request = Command<unknown> | string;

/** One primitive operation; `caption` is the story's line for the step it makes. */
export type Op =
  | { readonly kind: 'deliver'; readonly message: Msg; readonly caption?: string }
  | { readonly kind: 'drop'; readonly message: Msg; readonly caption?: string }
  | { readonly kind: 'duplicate'; readonly message: Msg; readonly caption?: string }
  | { readonly kind: 'timeout'; readonly node: NodeId; readonly caption?: string }
  | { readonly kind: 'request'; readonly node: NodeId; readonly command: Request; readonly caption?: string }
  /** `lostSends`: the node died inside its last step, after its persists and before these last sends (a simulator trace). */
  | { readonly kind: 'crash'; readonly node: NodeId; readonly lostSends?: number; readonly caption?: string }
  | { readonly kind: 'restart'; readonly node: NodeId; readonly caption?: string }
  | { readonly kind: 'partition'; readonly a: readonly NodeId[]; readonly b: readonly NodeId[]; readonly caption?: string }
  | { readonly kind: 'heal'; readonly caption?: string };

export interface Script {
  readonly title: string;
  readonly config: SessionConfig;
  /** Runs before frame 0 (a prologue, such as the 812 bookings before slot 812). */
  readonly setup: readonly Op[];
  readonly ops: readonly Op[];
}

/** What a user did, at the step (frame) on screen when they did it. */
export type UserAction =
  | { readonly at: number; readonly type: 'crash' | 'restart'; readonly node: NodeId }
  /** `index`: the message's position in the frame's list of messages in flight. */
  | { readonly at: number; readonly type: 'drop' | 'duplicate'; readonly index: number }
  | { readonly at: number; readonly type: 'partition'; readonly a: readonly NodeId[]; readonly b: readonly NodeId[] }
  | { readonly at: number; readonly type: 'heal' }
  /** A client command: `value` is the booking (#8841) or, on a key-value machine, the value put in x. */
  | { readonly at: number; readonly type: 'request'; readonly node: NodeId; readonly value: string };

export interface MessageView {
  readonly index: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly type: string;
  /** In the paper's words: `accept slot 812 = #8841`. */
  readonly label: string;
  /** The full line of lib/multipaxos/format.ts or lib/raft/format.ts. */
  readonly line: string;
}

export interface ShownViolation {
  readonly invariant: string;
  readonly description: string;
  /** The nodes it names (drawn in red). */
  readonly nodes: readonly NodeId[];
}

export interface Frame {
  readonly step: number;
  /** What this step did, in one line. */
  readonly what: string;
  readonly by: 'start' | 'script' | 'user' | 'auto';
  /** The story's line, when the script's operation carries one. */
  readonly caption: string | null;
  readonly nodes: readonly NodeView[];
  readonly inFlight: readonly MessageView[];
  /** Messages in flight beyond those listed. */
  readonly moreInFlight: number;
  /** The message this step delivered, if any. */
  readonly delivered: MessageView | null;
  readonly partition: { readonly a: readonly NodeId[]; readonly b: readonly NodeId[] } | null;
  /** Violations first seen at this step. */
  readonly violations: readonly ShownViolation[];
  /** Every invariant violated so far. */
  readonly broken: readonly string[];
  /** Script operations not yet played. */
  readonly scriptLeft: number;
}

/** At most this many messages in flight are listed (and drawn) per frame. */
export const SHOWN_MESSAGES = 24;

type AnyState = unknown;
type AnyProtocol = Protocol<AnyState, Msg, unknown, unknown, Request>;

/** What the session needs of a protocol beyond `Protocol`: its view, its words and its invariants. */
interface Adapter {
  readonly protocol: AnyProtocol;
  /** What a user's request carries: a booking, a put on the key-value machine, or a bare value (single-decree). */
  readonly machine: Machine;
  /** A timer action lets time pass until the node's timer fires (the Raft model checker's timeout). */
  readonly untilFires: boolean;
  /** The model checker's set network: a message once sent stays deliverable (Paxos.tla's msgs). */
  readonly setNetwork: boolean;
  view(state: AnyState, up: boolean): NodeView;
  label(m: Msg): string;
  line(m: Msg): string;
  /** Feeds the monitor an event of the cluster. */
  observe(e: ClusterEvent<Msg, unknown>): void;
  request(c: Request): void;
  /** Violations over the current states (with everything observed so far). */
  check(states: readonly AnyState[]): ShownViolation[];
}

function multiPaxosConfig(c: SessionConfig): MultiPaxosConfig<unknown, unknown, unknown> {
  const machine = bookingAuthority as unknown as StateMachine<unknown, unknown, unknown>;
  switch (c.setting) {
    case 'web':
      return { quorums: majorities(c.nodes), machine, window: 4, batch: 1, heartbeat: 2, electionTimeout: 10, seed: c.seed, startRound: 40 };
    case 'harbor':
      if (c.nodes !== 3) throw new Error('synod: the Harbor Point configuration has 3 nodes');
      return HARBOR_LOG_CONFIG as unknown as MultiPaxosConfig<unknown, unknown, unknown>;
    case 'check':
      return modelConfig(c.nodes, c.snapshotEvery ?? 0) as unknown as MultiPaxosConfig<unknown, unknown, unknown>;
    case 'sim':
      return multiPaxosSimConfig({ nodes: c.nodes, ...(c.snapshotEvery === undefined ? {} : { snapshotEvery: c.snapshotEvery }) }) as unknown as MultiPaxosConfig<unknown, unknown, unknown>;
  }
}

function raftConfig(c: SessionConfig): RaftConfig<unknown, unknown, unknown> {
  const servers = Array.from({ length: c.nodes }, (_, i) => i + 1);
  switch (c.setting) {
    case 'web':
    case 'harbor':
      return { servers, machine: bookingAuthority as unknown as StateMachine<unknown, unknown, unknown>, heartbeat: 2, electionTimeout: 10, seed: c.seed };
    case 'check':
      return raftModelConfig(c.nodes) as unknown as RaftConfig<unknown, unknown, unknown>;
    case 'sim':
      return raftSimConfig({ nodes: c.nodes }) as unknown as RaftConfig<unknown, unknown, unknown>;
  }
}

function fresh(found: ShownViolation[], seen: Set<string>, all: readonly { invariant: string; description: string; nodes: readonly NodeId[] }[]): void {
  for (const v of all) {
    const k = `${v.invariant}|${v.description}`;
    if (seen.has(k)) continue;
    seen.add(k);
    found.push({ invariant: v.invariant, description: v.description, nodes: [...v.nodes] });
  }
}

function multiPaxosAdapter(c: SessionConfig): Adapter {
  const config = multiPaxosConfig(c);
  let roles;
  if (c.mutant !== undefined) {
    const m = multiPaxosMutant(c.mutant);
    if (m === undefined) throw new Error(`synod: no multipaxos mutant named '${c.mutant}'`);
    roles = m.roles;
  }
  const protocol = multiPaxosProtocol(config, roles) as unknown as AnyProtocol;
  const monitor = new LogMonitor<unknown>(config.quorums);
  type S = MultiNodeState<unknown, unknown, unknown>;
  return {
    protocol,
    machine: c.setting === 'web' || c.setting === 'harbor' ? 'booking' : 'kv',
    untilFires: false,
    setNetwork: c.setting === 'check',
    view: (s, up) => multiPaxosView(s as S, up),
    label: (m) => multiPaxosLabel(m as unknown as MultiMessage<unknown>),
    line: (m) => multiPaxosLine(m as unknown as MultiMessage<unknown>),
    observe(e) {
      if (e.type !== 'effect') return;
      const effect = e.effect as MultiEffect<unknown, unknown>;
      const m = observedMessage(effect);
      if (m !== null) monitor.message(m);
      if (effect.type === 'reply' && effect.reply.status === 'ok') monitor.ack({ node: effect.node, client: effect.client, seq: effect.seq });
    },
    request: (command) => monitor.request(command as Command<unknown>),
    check(states) {
      const views: ReplicaView<unknown>[] = (states as S[]).map((s) => ({ id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit }));
      return monitor.check(views);
    },
  };
}

function raftAdapter(c: SessionConfig): Adapter {
  const config = raftConfig(c);
  let handlers;
  if (c.mutant !== undefined) {
    const m = raftMutant(c.mutant);
    if (m === undefined) throw new Error(`synod: no raft mutant named '${c.mutant}'`);
    handlers = m.handlers<unknown, unknown, unknown>();
  }
  const protocol = raftProtocol(config, handlers) as unknown as AnyProtocol;
  const history = new RaftHistory<unknown>();
  let reported = 0;
  type S = RaftNodeState<unknown, unknown, unknown>;
  return {
    protocol,
    machine: c.setting === 'web' || c.setting === 'harbor' ? 'booking' : 'kv',
    untilFires: c.setting === 'check',
    setNetwork: c.setting === 'check',
    view: (s, up) => raftView(s as S, up),
    label: (m) => raftLabel(m as unknown as RaftMessage<unknown>),
    line: (m) => raftLine(m as unknown as RaftMessage<unknown>),
    observe(e) {
      if (e.type !== 'effect') return;
      const effect = e.effect as RaftEffect<unknown, unknown>;
      if (effect.type === 'send') history.message(effect.message);
      if (effect.type === 'chosen') history.commit({ node: e.node, index: effect.slot, entry: effect.value });
      if (effect.type === 'reply' && effect.reply.status === 'ok') history.ack({ node: effect.node, client: effect.client, seq: effect.seq });
    },
    request: () => undefined,
    check(states) {
      const servers: RaftView<unknown>[] = (states as S[]).map((s) => ({ id: s.id, role: s.role, currentTerm: s.currentTerm, log: s.log, commitIndex: s.commitIndex }));
      const found = history.found.slice(reported);
      reported = history.found.length;
      return [...found, ...checkRaftStates(servers), ...servers.flatMap((s) => history.stable(s))];
    },
  };
}

/** The single-decree configuration a session runs (and, under `check`, the mutant's quorum sizes). */
export function decreeConfig(c: SessionConfig): PaxosConfig {
  const mutant = c.mutant === undefined ? undefined : paxosMutant(c.mutant);
  if (c.mutant !== undefined && mutant === undefined) throw new Error(`synod: no single-decree mutant named '${c.mutant}'`);
  const d = c.decree ?? {};
  switch (c.setting) {
    case 'harbor':
      if (c.nodes !== 3) throw new Error('synod: the Harbor Point configuration has 3 nodes');
      return HARBOR_CONFIG;
    case 'web':
    case 'sim':
      return paxosConfig({ nodes: c.nodes, ...(d.proposers === undefined ? {} : { proposers: d.proposers }), ...(mutant?.quorums === undefined ? {} : { quorums: mutant.quorums }) });
    case 'check': {
      const smallest = mutant?.smallest;
      const built = singleDecreeModel({
        acceptors: d.acceptors ?? smallest?.acceptors ?? 3,
        proposers: d.proposers ?? smallest?.proposers ?? 2,
        learners: d.learners ?? smallest?.learners ?? 0,
        values: 0,
        maxRound: 1,
        network: 'set',
        crashes: 0,
        ...(d.phase1 === undefined ? {} : { phase1: d.phase1 }),
        ...(d.phase2 === undefined ? {} : { phase2: d.phase2 }),
        ...(d.separate === true ? { topology: 'separate' as const } : {}),
        ...(mutant === undefined ? {} : { mutant: mutant.name }),
      });
      if (!built.ok) throw new Error(`synod: ${built.error}`);
      return built.config;
    }
  }
}

function decreeAdapter(c: SessionConfig): Adapter {
  const config = decreeConfig(c);
  const mutant = c.mutant === undefined ? undefined : paxosMutant(c.mutant as PaxosMutantName);
  const protocol = paxosProtocol<unknown>(config, mutant?.roles<unknown>()) as unknown as AnyProtocol;
  type S = DecreeNodeState<unknown>;
  // Paxos.tla's msgs (every message ever sent) and the values clients proposed: what checkPaxos reads.
  const messages: DecreeMessage<unknown>[] = [];
  const proposed: unknown[] = [];
  return {
    protocol,
    machine: 'value',
    untilFires: false,
    setNetwork: c.setting === 'check',
    view: (s, up) => decreeView(s as S, up, config.slot),
    label: (m) => decreeLabel(m as unknown as DecreeMessage<unknown>),
    line: (m) => decreeLine(m as unknown as DecreeMessage<unknown>),
    observe(e) {
      if (e.type === 'send') messages.push(e.message as unknown as DecreeMessage<unknown>);
    },
    request: (value) => {
      proposed.push(value);
    },
    check(states) {
      return checkPaxos({ config, nodes: states as S[], messages, proposed });
    },
  };
}

export function configProblem(c: SessionConfig): string | null {
  if (c.protocol !== 'multipaxos' && c.protocol !== 'raft' && c.protocol !== 'single-decree') return `protocol must be multipaxos, raft or single-decree, got ${String(c.protocol)}`;
  if (!Number.isInteger(c.nodes) || c.nodes < 1 || c.nodes > 9) return `nodes must be a whole number from 1 to 9, got ${c.nodes}`;
  if (c.setting === 'web' && (c.nodes < MIN_NODES || c.nodes > MAX_NODES)) return `the page draws ${MIN_NODES} to ${MAX_NODES} nodes, got ${c.nodes}`;
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffff_ffff) return `seed must be a whole number from 0 to 4294967295, got ${c.seed}`;
  if (!['web', 'harbor', 'check', 'sim'].includes(c.setting)) return `setting must be web, harbor, check or sim, got ${String(c.setting)}`;
  return null;
}

function adapterFor(c: SessionConfig): Adapter {
  const problem = configProblem(c);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  return c.protocol === 'multipaxos' ? multiPaxosAdapter(c) : c.protocol === 'raft' ? raftAdapter(c) : decreeAdapter(c);
}

/** Equal plain data, whatever the key order of its objects (an absent key and an undefined one are the same). */
function samePlain(u: unknown, v: unknown): boolean {
  if (u === v) return true;
  if (typeof u !== 'object' || typeof v !== 'object' || u === null || v === null) return false;
  if (Array.isArray(u) || Array.isArray(v)) {
    if (!Array.isArray(u) || !Array.isArray(v) || u.length !== v.length) return false;
    return u.every((x, i) => samePlain(x, v[i]));
  }
  const x = u as Record<string, unknown>;
  const y = v as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => x[k] !== undefined);
  if (kx.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return kx.every((k) => samePlain(x[k], y[k]));
}

/** Equal messages (a message read back from a trace file is equal, not identical, to the one sent). */
function sameMessage(a: Msg, b: Msg): boolean {
  return a.from === b.from && a.to === b.to && a.type === b.type && samePlain(a, b);
}

const crosses = (p: { a: readonly NodeId[]; b: readonly NodeId[] }, m: Addressed): boolean =>
  (p.a.includes(m.from) && p.b.includes(m.to)) || (p.b.includes(m.from) && p.a.includes(m.to));

export type Machine = 'booking' | 'kv' | 'value';

/** A command a user sends: a booking of suite S12, a put of x on the key-value machine, or (single-decree) the value itself. */
export function userCommand(machine: Machine, k: number, value: string): Request {
  if (machine === 'value') return value;
  const client = `web-${k}`;
  if (machine === 'booking') return { client, seq: 1, op: { type: 'reserve', suite: 'S12', booking: value.startsWith('#') ? value : `#${value}` } };
  const n = Number(value);
  return { client, seq: 1, op: { type: 'put', key: 'x', value: Number.isFinite(n) ? n : value } };
}

/** Steps the session forward one frame at a time. `frameAt` and `framesUpTo` are built on it. */
export class Runner {
  readonly adapter: Adapter;
  readonly cluster: Cluster<AnyState, Msg, unknown, unknown, Request>;
  private readonly actions: readonly UserAction[];
  private nextAction = 0;
  private opIndex = 0;
  private clock = 0;
  private requests = 0;
  private partition: { a: readonly NodeId[]; b: readonly NodeId[] } | null = null;
  private readonly seen = new Set<string>();
  private readonly broken = new Set<string>();
  private delivered: MessageView | null = null;
  step = 0;

  constructor(
    readonly script: Script,
    actions: readonly UserAction[],
  ) {
    this.adapter = adapterFor(script.config);
    this.actions = [...actions].sort((x, y) => x.at - y.at);
    this.cluster = new Cluster(this.adapter.protocol);
    this.cluster.on((e) => this.adapter.observe(e));
    for (const op of script.setup) this.perform(op);
    this.delivered = null;
    // What the setup broke is not this session's news: only what breaks from frame 0 on is shown.
    fresh([], this.seen, this.adapter.check(this.states()));
  }

  private states(): AnyState[] {
    return this.adapter.protocol.nodes.map((id) => this.cluster.state(id));
  }

  /** Frame 0: the cluster after the setup. */
  first(): Frame {
    return this.frame('start', 'start', null);
  }

  /** Whether the script has operations left. */
  scriptDone(): boolean {
    return this.opIndex >= this.script.ops.length;
  }

  next(): Frame {
    const action = this.actions[this.nextAction];
    if (action !== undefined && action.at <= this.step) {
      this.nextAction += 1;
      const op = this.userOp(action);
      this.step += 1;
      const outcome = op === null ? `${action.type}: nothing to do` : this.perform(op);
      return this.frame('user', outcome, null);
    }
    if (this.opIndex < this.script.ops.length) {
      const op = this.script.ops[this.opIndex]!;
      this.opIndex += 1;
      this.step += 1;
      return this.frame('script', this.perform(op), op.caption ?? null);
    }
    const op = this.autoOp();
    this.step += 1;
    return this.frame('auto', op === null ? 'every node is down: nothing happens' : this.perform(op), null);
  }

  private userOp(a: UserAction): Op | null {
    switch (a.type) {
      case 'crash':
      case 'restart':
        return { kind: a.type, node: a.node };
      case 'drop':
      case 'duplicate': {
        const m = this.cluster.inFlight[a.index];
        return m === undefined ? null : { kind: a.type, message: m };
      }
      case 'partition':
        return { kind: 'partition', a: a.a, b: a.b };
      case 'heal':
        return { kind: 'heal' };
      case 'request':
        this.requests += 1;
        return { kind: 'request', node: a.node, command: userCommand(this.adapter.machine, this.requests, a.value) };
    }
  }

  private autoOp(): Op | null {
    const m = this.cluster.inFlight[0];
    if (m !== undefined) return { kind: 'deliver', message: m };
    const nodes = this.adapter.protocol.nodes;
    for (let k = 0; k < nodes.length; k += 1) {
      const node = nodes[this.clock % nodes.length]!;
      this.clock += 1;
      if (this.cluster.isUp(node)) return { kind: 'timeout', node };
    }
    return null;
  }

  /** The first message in flight equal to `message`. */
  private findInFlight(message: Msg): number {
    return this.cluster.inFlight.findIndex((m) => m === message || sameMessage(m, message));
  }

  /** Performs one operation outside the script (a recorder writing a script uses it); returns what happened. */
  apply(op: Op): string {
    return this.perform(op);
  }

  /** Performs one operation; returns what happened, in one line. */
  private perform(op: Op): string {
    const c = this.cluster;
    const name = (n: NodeId): string => `n${n}`;
    let what: string;
    switch (op.kind) {
      case 'deliver': {
        let i = this.findInFlight(op.message);
        if (i < 0) {
          // A set network (the model checker's) keeps every sent message deliverable.
          const sent = this.adapter.setNetwork ? c.sent.find((m) => sameMessage(m, op.message)) : undefined;
          if (sent === undefined) {
            what = `skipped: ${this.adapter.label(op.message)} ${name(op.message.from)} -> ${name(op.message.to)} is not in flight`;
            break;
          }
          c.inFlight.push(sent);
          i = c.inFlight.length - 1;
        }
        const m = c.inFlight[i]!;
        this.delivered = this.messageView(m, i);
        const down = !c.isUp(m.to);
        const step = c.deliver((x) => x === m);
        what = `${name(m.from)} -> ${name(m.to)} : ${this.adapter.label(m)}${down ? ' (lost: the node is down)' : step.ignored === undefined ? '' : ` (ignored: ${step.ignored})`}`;
        break;
      }
      case 'drop': {
        const i = this.findInFlight(op.message);
        if (i < 0) {
          what = `skipped: the message to drop is not in flight`;
          break;
        }
        const m = c.inFlight[i]!;
        c.drop((x) => x === m);
        what = `dropped ${name(m.from)} -> ${name(m.to)} : ${this.adapter.label(m)}`;
        break;
      }
      case 'duplicate': {
        const i = this.findInFlight(op.message);
        const m = i >= 0 ? c.inFlight[i]! : c.sent.find((x) => sameMessage(x, op.message));
        if (m === undefined) {
          what = 'skipped: the message to duplicate was never sent';
          break;
        }
        c.inFlight.push({ ...m });
        what = `duplicated ${name(m.from)} -> ${name(m.to)} : ${this.adapter.label(m)}`;
        break;
      }
      case 'timeout':
        if (!c.isUp(op.node)) {
          what = `skipped: ${name(op.node)}'s timer (the node is down)`;
          break;
        }
        if (this.adapter.untilFires) {
          let ticks = 1;
          while (c.timeout(op.node).effects.length === 0 && ticks < 64) ticks += 1;
          what = `${name(op.node)} : ${ticks} tick${ticks === 1 ? '' : 's'}, until its timer fires`;
        } else {
          c.timeout(op.node);
          what = `${name(op.node)} : tick`;
        }
        break;
      case 'request': {
        const cmd = op.command;
        const head = typeof cmd === 'string' ? `client -> ${name(op.node)} : propose ${cmd}` : `client ${cmd.client} -> ${name(op.node)} : ${JSON.stringify(cmd.op)}`;
        if (!c.isUp(op.node)) {
          what = `${head} (lost: the node is down)`;
          break;
        }
        this.adapter.request(cmd);
        const stepped = c.request(op.node, cmd);
        // A single-decree node that is not a proposer ignores the value, and says so.
        what = `${head}${typeof cmd === 'string' && stepped.ignored !== undefined ? ` (ignored: ${stepped.ignored})` : ''}`;
        break;
      }
      case 'crash':
        if (!c.isUp(op.node)) {
          what = `skipped: ${name(op.node)} is already down`;
          break;
        }
        if (op.lostSends !== undefined && op.lostSends > 0) {
          // The node died inside its last step: its persists were made, its last sends never left.
          const mine = c.inFlight.map((m, i) => ({ m, i })).filter(({ m }) => m.from === op.node).slice(-op.lostSends);
          const lost = new Set(mine.map(({ m }) => m));
          c.inFlight = c.inFlight.filter((m) => !lost.has(m));
        }
        c.crash(op.node);
        what = `${name(op.node)} CRASHED (it keeps what it persisted)`;
        break;
      case 'restart':
        if (c.isUp(op.node)) {
          what = `skipped: ${name(op.node)} is up`;
          break;
        }
        c.restart(op.node);
        what = `${name(op.node)} restarts from its durable record`;
        break;
      case 'partition':
        this.partition = { a: [...op.a], b: [...op.b] };
        what = `partition: {${op.a.map(name).join(',')}} | {${op.b.map(name).join(',')}}`;
        break;
      case 'heal':
        this.partition = null;
        what = 'the partition heals';
        break;
    }
    const p = this.partition;
    if (p !== null) c.drop((m) => crosses(p, m));
    return what;
  }

  private messageView(m: Msg, index: number): MessageView {
    return { index, from: m.from, to: m.to, type: m.type, label: this.adapter.label(m), line: this.adapter.line(m) };
  }

  private frame(by: Frame['by'], what: string, caption: string | null): Frame {
    const found: ShownViolation[] = [];
    fresh(found, this.seen, this.adapter.check(this.states()));
    for (const v of found) this.broken.add(v.invariant);
    const inFlight = this.cluster.inFlight.slice(0, SHOWN_MESSAGES).map((m, i) => this.messageView(m, i));
    const delivered = this.delivered;
    this.delivered = null;
    return {
      step: this.step,
      what,
      by,
      caption,
      nodes: this.adapter.protocol.nodes.map((id) => this.adapter.view(this.cluster.state(id), this.cluster.isUp(id))),
      inFlight,
      moreInFlight: Math.max(0, this.cluster.inFlight.length - SHOWN_MESSAGES),
      delivered,
      partition: this.partition === null ? null : { a: [...this.partition.a], b: [...this.partition.b] },
      violations: found,
      broken: [...this.broken].sort(),
      scriptLeft: this.script.ops.length - this.opIndex,
    };
  }
}

/** Frames 0..n, by playing the script and the actions from the start. */
export function framesUpTo(script: Script, actions: readonly UserAction[], n: number): Frame[] {
  const runner = new Runner(script, actions);
  const frames = [runner.first()];
  while (frames.length <= n) frames.push(runner.next());
  return frames;
}

/** The frame at step n, by a replay from the start (how the page steps back). */
export function frameAt(script: Script, actions: readonly UserAction[], n: number): Frame {
  return framesUpTo(script, actions, n)[n]!;
}

/** The actions a new one at step `at` keeps: those made before it (acting in the past branches the timeline). */
export function branch(actions: readonly UserAction[], action: UserAction): UserAction[] {
  return [...actions.filter((a) => a.at < action.at), action];
}
