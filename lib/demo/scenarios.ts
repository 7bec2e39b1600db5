/**
 * Scripted scenarios, each played on the two real protocols step for step: Multi-Paxos
 * (lib/multipaxos, with no Raft in it) and Raft (lib/raft, Figure 2), and, where the scenario
 * is about a bug, on the broken Raft of lib/zoo/raft.ts. Both run on the scripted cluster
 * (lib/harness/cluster.ts), with the Harbor Point booking authority of lib/machine.
 *
 * A script names servers and actions, never log positions: a new Raft leader first appends a
 * no-op of its term (section 8), so one command sits at different positions in the two logs.
 * The verdict of a run is not written anywhere: it is what the invariants (lib/invariants/log.ts
 * for Multi-Paxos, lib/invariants/raft.ts for Raft) found after each step while the real code
 * ran. What a scenario adds are expectations, checked on the run (X really sat on a majority;
 * the fenced leader was never acknowledged), so a run cannot pass by not exercising its point.
 * Each step names the row of the mapping (./mapping.ts) it shows.
 *
 * - `figure8`: Figure 8 of the Raft paper on five servers. Under Raft, X (term 2) reaches a
 *   majority in term 4 but is not committed (not of the current term), so S5 may overwrite it;
 *   under the broken Raft it is committed by counting, then lost. Under Multi-Paxos the new
 *   leader re-proposes X in its own ballot, a quorum of that ballot chooses it, and the next
 *   leader's promise merge keeps it.
 * - `slot812`: the Harbor Point crash after quorum acceptance: #8841 is stored by harbor-1 and
 *   harbor-2, and harbor-1 crashes before anyone learns it. Multi-Paxos: harbor-3 may lead, and
 *   the merge finds #8841 in harbor-2's promise. Raft: harbor-3's log lacks it, so harbor-2
 *   refuses its vote, and harbor-2 leads.
 * - `partitioned-leader`: an old leader cut off from the others keeps proposing in its stale
 *   epoch; the newer ballot (term) fences it, and nothing it proposed is acknowledged.
 *
 * The caller brings the checks, the message descriptions and the broken Raft (`ScenarioTools`;
 * `synod compare` passes lib/invariants' checks, the one Multi-Paxos `describeMessage` and the
 * Figure-8 mutant of lib/zoo/raft.ts), so each run is judged by whatever the caller checks.
 */
import { majorities } from '../paxos/quorum';
import * as ballots from '../paxos/ballot';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import type { Addressed, Protocol } from '../core/protocol';
import { Cluster } from '../harness/cluster';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import { bookingAuthority } from '../machine/booking';
import type { Command } from '../machine/command';
import { commandKey } from '../machine/command';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import type { MultiEffect, MultiNodeState, MultiRecord } from '../multipaxos/node';
import { multiPaxosProtocol, observedMessage } from '../multipaxos/node';
import type { LogSnapshot, ReplicaView } from '../invariants/log';
import type { Violation } from '../invariants/voting';
import type { Commit, RaftAck, RaftSnapshot } from '../invariants/raft';
import * as vec from '../core/vector';
import type { RaftMessage } from '../raft/messages';
import type { RaftNodeState, RaftRecord } from '../raft/state';
import { entriesBetween, entryAt } from '../raft/state';
import type { RaftEffect } from '../raft/step';
import type { RaftHandlers } from '../raft/node';
import { raftProtocol } from '../raft/node';
import { describeRaftMessage, entryText } from '../raft/format';

export type ScenarioName = 'figure8' | 'slot812' | 'partitioned-leader';

export const SCENARIOS: readonly ScenarioName[] = ['figure8', 'slot812', 'partitioned-leader'];

export type SideName = 'multipaxos' | 'raft' | 'raft-figure8-broken';

/** One step of one run: every node's cell, what is committed, the messages, the violations first seen. */
export interface ScenarioStep {
  readonly label: string;
  /** The mapping row (./mapping.ts) this step shows. */
  readonly row: string;
  readonly nodes: readonly string[];
  readonly committed: readonly string[];
  readonly messages: readonly string[];
  readonly violations: readonly Violation[];
}

export interface Expectation {
  readonly description: string;
  readonly held: boolean;
}

export interface ScenarioRun {
  readonly scenario: ScenarioName;
  readonly side: SideName;
  readonly steps: readonly ScenarioStep[];
  readonly violations: readonly Violation[];
  readonly safe: boolean;
  readonly expectedSafe: boolean;
  readonly expectations: readonly Expectation[];
  /** The verdict matches the expectation, and every expectation held. */
  readonly ok: boolean;
}

type MpState = MultiNodeState<BookingState, BookingOp, BookingResult>;
type MpMessage = MultiMessage<BookingOp>;
type RState = RaftNodeState<BookingState, BookingOp, BookingResult>;
type RMessage = RaftMessage<BookingOp>;

/** How the caller writes one Multi-Paxos message as a line. */
export type DescribeMultiPaxos = (m: MpMessage) => string;

/**
 * What the caller brings: the Multi-Paxos message formatter, the invariants of each protocol
 * (lib/invariants/log.ts `checkLog`, lib/invariants/raft.ts `checkRaft`), and the broken Raft's
 * handlers (lib/zoo/raft.ts). The protocol folder imports no driver, no invariant and no mutant:
 * invariants read the protocols, never the reverse.
 */
export interface ScenarioTools {
  readonly describeMultiPaxos: DescribeMultiPaxos;
  readonly checkMultiPaxos: (snapshot: LogSnapshot<BookingOp>) => Violation[];
  readonly checkRaft: (snapshot: RaftSnapshot<BookingOp>) => Violation[];
  readonly brokenRaft?: RaftHandlers<BookingState, BookingOp, BookingResult>;
  /** Called after each step with the side's cluster (the browser view draws the nodes from it). */
  readonly watch?: (side: SideName, cluster: Cluster<unknown, Addressed, unknown, unknown, Command<BookingOp>>) => void;
}

function reserve(client: string, booking: string): Command<BookingOp> {
  return { client, seq: 1, op: { type: 'reserve', suite: 'S12', booking } };
}

const X = reserve('x', '#8841');
const Y = reserve('y', '#8849');

/**
 * The script's view of one protocol on the scripted cluster: the actions, and what a step
 * records. Two implementations below: Multi-Paxos and Raft.
 */
abstract class Play<S, M extends Addressed, E, D> {
  readonly cluster: Cluster<S, M, E, D, Command<BookingOp>>;
  readonly steps: ScenarioStep[] = [];
  readonly expectations: Expectation[] = [];
  readonly violations: Violation[] = [];
  private seen = new Set<string>();
  private events = 0;
  watcher: (() => void) | null = null;

  constructor(readonly protocol: Protocol<S, M, E, D, Command<BookingOp>>) {
    this.cluster = new Cluster(protocol);
  }

  abstract role(id: NodeId): string;
  abstract epoch(id: NodeId): string;
  abstract isElection(m: M): boolean;
  /** For Figure 8: a message that makes no server store an entry of its sender's current epoch. */
  abstract olderEntriesOnly(m: M): boolean;
  abstract cell(id: NodeId): string;
  abstract committed(): string[];
  abstract check(): Violation[];
  abstract describe(m: M): string;
  /** Nodes that hold an entry with this command (stored or learned). */
  abstract holders(key: string): NodeId[];
  /** Nodes that committed it. */
  abstract learners(key: string): NodeId[];
  abstract booked(id: NodeId): string | undefined;
  abstract acked(key: string): boolean;

  state(id: NodeId): S {
    return this.cluster.state(id);
  }

  /** Delivers matching messages among `among` until none is left; messages that cross the partition are lost. */
  settle(among: readonly NodeId[], match: (m: M) => boolean = () => true): void {
    const inside = (m: M): boolean => among.includes(m.from) && among.includes(m.to);
    const wanted = (m: M): boolean => inside(m) && match(m);
    this.cluster.drop((m) => !inside(m));
    for (let i = 0; i < 10_000 && this.cluster.inFlight.some(wanted); i += 1) {
      this.cluster.deliver(wanted);
      this.cluster.drop((m) => !inside(m));
    }
  }

  /** `node` campaigns until it leads, only election messages flowing among `among`. */
  elect(node: NodeId, among: readonly NodeId[], attempts = 5): void {
    for (let attempt = 0; attempt < attempts && this.role(node) !== 'leader'; attempt += 1) {
      for (let t = 0; t < 1000 && this.role(node) === 'follower'; t += 1) this.cluster.timeout(node);
      this.settle(among, (m) => this.isElection(m));
      for (let t = 0; t < 1000 && this.role(node) === 'candidate'; t += 1) {
        const before = this.epoch(node);
        this.cluster.timeout(node);
        if (this.epoch(node) !== before) break;
      }
      this.settle(among, (m) => this.isElection(m));
    }
    if (this.role(node) !== 'leader') throw new Error(`synod: node ${node} could not be elected among ${among.join(',')}`);
  }

  /** The leader ticks until it has sent `rounds` rounds of heartbeats; messages flow among `among`. */
  heartbeats(node: NodeId, among: readonly NodeId[], rounds: number, match: (m: M) => boolean = () => true): void {
    for (let r = 0; r < rounds; r += 1) {
      for (let t = 0; t < 100; t += 1) {
        const before = this.cluster.inFlight.length;
        this.cluster.timeout(node);
        if (this.cluster.inFlight.length > before) break;
      }
      this.settle(among, match);
    }
  }

  expect(description: string, held: boolean): void {
    this.expectations.push({ description, held });
  }

  step(label: string, row: string): void {
    const fresh = this.check().filter((v) => {
      const k = `${v.invariant}|${v.description}`;
      if (this.seen.has(k)) return false;
      this.seen.add(k);
      return true;
    });
    this.violations.push(...fresh);
    const messages = this.cluster.events.slice(this.events).flatMap((e) => {
      switch (e.type) {
        case 'deliver':
          return [this.describe(e.message) + (e.ignored === undefined ? '' : ' (ignored)')];
        case 'drop':
          return [`${this.describe(e.message)} (lost)`];
        case 'request':
        case 'send':
        case 'effect':
        case 'step':
        case 'crash':
        case 'restart':
          return [];
        default:
          return assertNever(e, 'cluster event');
      }
    });
    this.events = this.cluster.events.length;
    this.steps.push({ label, row, nodes: this.protocol.nodes.map((id) => this.cell(id)), committed: this.committed(), messages, violations: fresh });
    this.watcher?.();
  }
}

function multiPaxosLabel(e: Entry<BookingOp>): string {
  return e.kind === 'noop' ? 'noop' : e.commands.map((c) => commandKey(c)).join('+');
}

class MultiPaxosPlay extends Play<MpState, MpMessage, MultiEffect<BookingOp, BookingResult>, MultiRecord<BookingOp>> {
  private readonly local: MpMessage[] = [];
  private readonly acks: { node: NodeId; client: string; seq: number }[] = [];

  constructor(
    nodes: number,
    startRound: number,
    private readonly describeMessage: DescribeMultiPaxos,
    private readonly checkLog: ScenarioTools['checkMultiPaxos'],
  ) {
    super(multiPaxosProtocol({ quorums: majorities(nodes), machine: bookingAuthority, window: 4, batch: 1, heartbeat: 2, electionTimeout: 10, seed: 8, startRound }));
    this.cluster.on((e) => {
      if (e.type !== 'effect') return;
      const m = observedMessage(e.effect);
      if (m !== null && e.effect.type === 'local') this.local.push(m);
      if (e.effect.type === 'reply' && e.effect.reply.status === 'ok') this.acks.push({ node: e.effect.node, client: e.effect.client, seq: e.effect.seq });
    });
  }

  role(id: NodeId): string {
    return this.state(id).leader.role;
  }
  epoch(id: NodeId): string {
    return ballots.format(this.state(id).leader.ballot);
  }
  isElection(m: MpMessage): boolean {
    return m.type === 'prepare' || m.type === 'promise' || m.type === 'rejected';
  }
  olderEntriesOnly(): boolean {
    return true; // Multi-Paxos re-proposes every entry in the new ballot: there is no older entry to hold back
  }
  cell(id: NodeId): string {
    const s = this.state(id);
    const log: string[] = [];
    for (let slot = 0; slot < Math.max(s.acceptor.votes.size, s.learner.log.size); slot += 1) {
      const learned = vec.get(s.learner.log, slot);
      const vote = vec.get(s.acceptor.votes, slot);
      if (learned !== undefined) log.push(`${slot}:${multiPaxosLabel(learned)}*`);
      else if (vote !== undefined) log.push(`${slot}:${multiPaxosLabel(vote.value)}/${ballots.format(vote.ballot)}`);
    }
    const role = s.leader.role === 'leader' ? 'L' : s.leader.role === 'candidate' ? 'C' : 'F';
    return `S${id}${this.cluster.isUp(id) ? '' : '(down)'} ${role} b${ballots.format(s.acceptor.maxBal)} [${log.join(' ')}]`;
  }
  committed(): string[] {
    const out: string[] = [];
    const longest = this.protocol.nodes.map((id) => this.state(id)).reduce((a, b) => (b.learner.commit > a.learner.commit ? b : a));
    for (let slot = 0; slot < longest.learner.commit; slot += 1) out.push(`${slot}:${multiPaxosLabel(vec.get(longest.learner.log, slot)!)}`);
    return out;
  }
  check(): Violation[] {
    const views: ReplicaView<BookingOp>[] = this.protocol.nodes.map((id) => {
      const s = this.state(id);
      return { id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit };
    });
    return this.checkLog({ quorums: majorities(this.protocol.nodes.length), nodes: views, messages: [...this.cluster.sent, ...this.local], requested: this.cluster.requests, acks: this.acks });
  }
  describe(m: MpMessage): string {
    return this.describeMessage(m);
  }
  private has(id: NodeId, key: string, learnedOnly: boolean): boolean {
    const s = this.state(id);
    for (let slot = 0; slot < Math.max(s.acceptor.votes.size, s.learner.log.size); slot += 1) {
      const e = vec.get(s.learner.log, slot) ?? (learnedOnly ? undefined : vec.get(s.acceptor.votes, slot)?.value);
      if (e?.kind === 'batch' && e.commands.some((c) => commandKey(c) === key)) return true;
    }
    return false;
  }
  holders(key: string): NodeId[] {
    return this.protocol.nodes.filter((id) => this.has(id, key, false));
  }
  learners(key: string): NodeId[] {
    return this.protocol.nodes.filter((id) => this.has(id, key, true));
  }
  booked(id: NodeId): string | undefined {
    return this.state(id).learner.replica.machine['S12']?.booking;
  }
  acked(key: string): boolean {
    return this.acks.some((a) => commandKey(a) === key);
  }
}

class RaftPlay extends Play<RState, RMessage, RaftEffect<BookingOp, BookingResult>, RaftRecord<BookingOp>> {
  private readonly commits: Commit<BookingOp>[] = [];
  private readonly acks: RaftAck[] = [];

  constructor(
    nodes: number,
    private readonly checkRaft: ScenarioTools['checkRaft'],
    handlers?: RaftHandlers<BookingState, BookingOp, BookingResult>,
  ) {
    // One entry per AppendEntries, so that a script can deliver an old entry and hold back the next.
    super(raftProtocol({ servers: Array.from({ length: nodes }, (_, i) => i + 1), machine: bookingAuthority, heartbeat: 2, electionTimeout: 10, seed: 8, maxEntries: 1 }, handlers));
    this.cluster.on((e) => {
      if (e.type !== 'effect') return;
      if (e.effect.type === 'chosen') this.commits.push({ node: e.node, index: e.effect.slot, entry: e.effect.value });
      if (e.effect.type === 'reply' && e.effect.reply.status === 'ok') this.acks.push({ node: e.effect.node, client: e.effect.client, seq: e.effect.seq });
    });
  }

  role(id: NodeId): string {
    return this.state(id).role;
  }
  epoch(id: NodeId): string {
    return String(this.state(id).currentTerm);
  }
  isElection(m: RMessage): boolean {
    return m.type === 'request-vote' || m.type === 'vote';
  }
  olderEntriesOnly(m: RMessage): boolean {
    if (m.type !== 'append-entries' || m.entries.every((e) => e.term < m.term)) return true;
    // An AppendEntries the follower refuses stores nothing: it may pass (the leader steps back).
    const log = this.state(m.to).log;
    return m.prevLogIndex > log.size || (m.prevLogIndex > 0 && entryAt(log, m.prevLogIndex)?.term !== m.prevLogTerm);
  }
  cell(id: NodeId): string {
    const s = this.state(id);
    const log = entriesBetween(s.log, 1, s.log.size).map((e, i) => `${i + 1}:${entryText(e)}${i + 1 <= s.commitIndex ? '*' : ''}`);
    const role = s.role === 'leader' ? 'L' : s.role === 'candidate' ? 'C' : 'F';
    return `S${id}${this.cluster.isUp(id) ? '' : '(down)'} ${role} t${s.currentTerm} [${log.join(' ')}]`;
  }
  committed(): string[] {
    const first = new Map<number, string>();
    for (const c of this.commits) if (!first.has(c.index)) first.set(c.index, entryText(c.entry));
    return [...first].sort((a, b) => a[0] - b[0]).map(([i, e]) => `${i}:${e}`);
  }
  check(): Violation[] {
    const servers = this.protocol.nodes.map((id) => {
      const s = this.state(id);
      return { id, role: s.role, currentTerm: s.currentTerm, log: s.log, commitIndex: s.commitIndex };
    });
    return this.checkRaft({ servers, messages: this.cluster.sent, commits: this.commits, acks: this.acks });
  }
  describe(m: RMessage): string {
    return describeRaftMessage(m);
  }
  holders(key: string): NodeId[] {
    return this.protocol.nodes.filter((id) => entriesBetween(this.state(id).log, 1, this.state(id).log.size).some((e) => e.kind === 'command' && commandKey(e.command) === key));
  }
  learners(key: string): NodeId[] {
    const nodes = new Set<NodeId>();
    for (const c of this.commits) if (c.entry.kind === 'command' && commandKey(c.entry.command) === key) nodes.add(c.node);
    return [...nodes];
  }
  booked(id: NodeId): string | undefined {
    return this.state(id).replica.machine['S12']?.booking;
  }
  acked(key: string): boolean {
    return this.acks.some((a) => commandKey(a) === key);
  }
  /** The term of the leader's entry at `index`, for labels. */
  termAt(id: NodeId, index: number): number | undefined {
    return entryAt(this.state(id).log, index)?.term;
  }
}

type AnyPlay = Play<unknown, Addressed, unknown, unknown>;

/** Figure 8 of the Raft paper, five servers S1..S5. */
function figure8(s: AnyPlay): void {
  const all = [1, 2, 3, 4, 5];
  s.elect(1, all);
  s.settle(all);
  s.step(`S1 leads epoch ${s.epoch(1)}; every server stores its first entry`, 'Election Safety');
  s.cluster.request(1, X);
  s.settle([1, 2]);
  s.step('S1 replicates X to S2 only (its messages to S3..S5 are lost)', 'Leader Append-Only');
  s.cluster.crash(1);
  s.elect(5, [5, 3, 4]);
  s.cluster.request(5, Y);
  s.cluster.drop((m) => m.from === 5);
  s.step(`S1 crashes; S5 leads epoch ${s.epoch(5)} with S3, S4 and stores Y alone`, 'Election Safety');
  s.cluster.crash(5);
  s.cluster.restart(1);
  s.elect(1, [1, 2, 3, 4]);
  s.settle([1, 2, 3, 4], (m) => s.olderEntriesOnly(m));
  s.heartbeats(1, [1, 2, 3, 4], 3, (m) => s.olderEntriesOnly(m));
  s.expect('X is stored on a majority (S1, S2, S3, S4)', s.holders(commandKey(X)).length >= 3);
  const s1Committed = s.learners(commandKey(X)).includes(1);
  s.step(`S5 crashes; S1 restarts, leads epoch ${s.epoch(1)} and brings X (and no newer entry) to S3 and S4: X is on a majority; ${s1Committed ? 'S1 commits it' : 'S1 does not commit it by counting'}`, 'Difference 3: when may an entry from an older epoch count as decided?');
  s.cluster.crash(1);
  s.cluster.drop((m) => m.from === 1);
  s.cluster.restart(5);
  s.elect(5, [5, 2, 3, 4]);
  s.settle([5, 2, 3, 4]);
  s.heartbeats(5, [5, 2, 3, 4], 3);
  s.step(`S1 crashes; S5 restarts, leads epoch ${s.epoch(5)} with S2, S3, S4 and replicates its log`, 'Leader Completeness');
  s.cluster.restart(1);
  s.heartbeats(5, all, 4);
  s.step('S1 restarts; the leader S5 brings every server up to date', 'State Machine Safety');
}

/** Harbor Point, slot 812: #8841 is stored by a quorum, and the leader crashes before anyone learns it. */
function slot812(s: AnyPlay): void {
  const all = [1, 2, 3];
  s.elect(1, all);
  s.settle(all);
  s.heartbeats(1, all, 1);
  s.step(`harbor-1 leads epoch ${s.epoch(1)}`, 'Election Safety');
  s.cluster.request(1, X);
  s.settle([1, 2], (m) => m.from === 1);
  s.cluster.drop(() => true);
  s.expect('#8841 is stored by a quorum (harbor-1, harbor-2)', s.holders(commandKey(X)).length >= 2);
  s.expect('nobody committed #8841 before the crash', s.learners(commandKey(X)).length === 0);
  s.step('harbor-1 proposes #8841; harbor-2 stores it; its answer never reaches harbor-1', 'What makes a slot durable?');
  s.cluster.crash(1);
  s.step('harbor-1 crashes: nobody learned #8841', 'Why must failover preserve history?');
  let leader = 3;
  try {
    s.elect(3, [2, 3], 1);
  } catch {
    leader = 2;
    s.elect(2, [2, 3]);
  }
  s.settle([2, 3]);
  s.heartbeats(leader, [2, 3], 2);
  s.step(`harbor-3 campaigns first; harbor-${leader} leads epoch ${s.epoch(leader)} and finishes what harbor-1 began`, 'Difference 2: how does a new leader get every decided entry?');
  s.cluster.request(leader, Y);
  s.settle([2, 3]);
  s.heartbeats(leader, [2, 3], 2);
  s.step(`harbor-${leader} serves #8849 after it`, 'When does application state change?');
  s.expect('#8841 is committed on the new quorum', s.learners(commandKey(X)).length >= 2);
  s.expect('#8849 was refused by the state machine (S12 is held by #8841)', s.booked(leader) === '#8841');
}

/** A leader cut off from the others keeps its stale epoch; the newer one fences it. */
function partitionedLeader(s: AnyPlay): void {
  const all = [1, 2, 3];
  s.elect(1, all);
  s.settle(all);
  s.cluster.request(1, X);
  s.settle(all);
  s.heartbeats(1, all, 1);
  s.step(`S1 leads epoch ${s.epoch(1)} and commits X`, 'AckImpliesChosen');
  s.elect(2, [2, 3]);
  s.settle([2, 3]);
  s.heartbeats(2, [2, 3], 1);
  s.step(`S1 is cut off; S2 leads epoch ${s.epoch(2)} with S3`, 'Difference 1: how is a leader made unique per epoch?');
  const stale = s.epoch(1);
  s.cluster.request(1, Y);
  s.step(`S1, still leading epoch ${stale}, proposes Y; its messages are in flight`, 'Who may drive the next command?');
  s.settle(all);
  s.step('the partition heals: S2 and S3 refuse the stale epoch, S1 steps down', 'PromiseKept');
  s.heartbeats(2, all, 2);
  s.step('S2 brings S1 up to date', 'LogPrefixAgreement');
  s.expect('the stale leader stepped down', s.role(1) === 'follower');
  s.expect('Y, proposed in the stale epoch, was never acknowledged', !s.acked(commandKey(Y)));
  s.expect('Y was never committed', s.learners(commandKey(Y)).length === 0);
  s.expect('X, committed before the partition, is on every node', s.learners(commandKey(X)).length === 3);
}

const SCRIPTS: Readonly<Record<ScenarioName, { nodes: number; startRound: number; play: (s: AnyPlay) => void; sides: readonly SideName[] }>> = {
  figure8: { nodes: 5, startRound: 1, play: figure8, sides: ['multipaxos', 'raft', 'raft-figure8-broken'] },
  slot812: { nodes: 3, startRound: 40, play: slot812, sides: ['multipaxos', 'raft'] },
  'partitioned-leader': { nodes: 3, startRound: 0, play: partitionedLeader, sides: ['multipaxos', 'raft'] },
};

/** The sides a scenario is played on. */
export function sidesOf(scenario: ScenarioName): readonly SideName[] {
  return SCRIPTS[scenario].sides;
}

/** Only the broken Raft is expected to break an invariant, and only in Figure 8. */
export function expectedSafe(side: SideName): boolean {
  return side !== 'raft-figure8-broken';
}

/** Plays the scenario on one side, checking the invariants (brought by the caller) after each step. */
export function runScenario(scenario: ScenarioName, side: SideName, options: ScenarioTools): ScenarioRun {
  const spec = SCRIPTS[scenario];
  let play: AnyPlay;
  switch (side) {
    case 'multipaxos':
      play = new MultiPaxosPlay(spec.nodes, spec.startRound, options.describeMultiPaxos, options.checkMultiPaxos) as unknown as AnyPlay;
      break;
    case 'raft':
      play = new RaftPlay(spec.nodes, options.checkRaft) as unknown as AnyPlay;
      break;
    case 'raft-figure8-broken':
      if (options.brokenRaft === undefined) throw new Error('synod: the broken Raft needs its handlers');
      play = new RaftPlay(spec.nodes, options.checkRaft, options.brokenRaft) as unknown as AnyPlay;
      break;
    default:
      return assertNever(side, 'side');
  }
  const watch = options.watch;
  if (watch !== undefined) play.watcher = () => watch(side, play.cluster);
  spec.play(play);
  const safe = play.violations.length === 0;
  const want = expectedSafe(side);
  return {
    scenario,
    side,
    steps: play.steps,
    violations: [...play.violations],
    safe,
    expectedSafe: want,
    expectations: play.expectations,
    ok: safe === want && play.expectations.every((e) => e.held),
  };
}
