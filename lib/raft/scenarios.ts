/**
 * Scripted scenarios, each played under every leader policy on the scripted cluster
 * (lib/harness/cluster.ts), so that Paxos's rules and Raft's can be compared step by step.
 *
 * A script names nodes and actions, never slots: under Raft a new leader first writes a no-op
 * of its term (section 8), so the same command lands in a different slot than under Paxos. The
 * verdict of a run is not written anywhere: it is what the safety monitor (./safety.ts) saw
 * while the real node code ran. What a scenario adds are its expectations, each checked on
 * the run (the figure was really played: X sat on a majority; the fenced leader was never
 * acknowledged), so that a run cannot pass by not exercising what it claims to.
 *
 * - `figure8`: Figure 8 of the Raft paper. Under `raft-without-current-term-rule` the leader
 *   of term 4 commits X by counting replicas, applies it, and X is later overwritten: the
 *   committed entry is lost. Under `raft` X is never committed, so its overwrite is legal.
 *   Under `paxos` the re-proposal of X in ballot 4 is chosen and the next leader's promise
 *   merge keeps it.
 * - `slot812`: the Harbor Point crash after quorum acceptance: the leader of term 41 has
 *   booking #8841 accepted by a quorum, and crashes before anyone learns it. The next leader
 *   must keep #8841 (Paxos: the merge finds it; Raft: only a node holding it can win).
 * - `partitioned-leader`: an old leader cut off from the others keeps its stale ballot; its
 *   proposals are fenced by the newer promise and never acknowledged.
 */
import * as ballots from '../paxos/ballot';
import { majorities } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import { Cluster } from '../harness/cluster';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import { bookingAuthority } from '../machine/booking';
import type { Command } from '../machine/command';
import type { MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { MultiEffect, MultiNodeState, MultiPaxosProtocol, MultiRecord } from '../multipaxos/node';
import { multiPaxosProtocol } from '../multipaxos/node';
import * as vec from '../core/vector';
import type { LeaderPolicy } from './policy';
import type { SafetyViolation } from './safety';
import { SafetyMonitor, entryLabel } from './safety';

export type ScenarioName = 'figure8' | 'slot812' | 'partitioned-leader';

export const SCENARIOS: readonly ScenarioName[] = ['figure8', 'slot812', 'partitioned-leader'];

type State = MultiNodeState<BookingState, BookingOp, BookingResult>;
type Message = MultiMessage<BookingOp>;
type Effect = MultiEffect<BookingOp, BookingResult>;
type ScenarioCluster = Cluster<State, Message, Effect, MultiRecord<BookingOp>, Command<BookingOp>>;

/** One node as a step leaves it: role, ballots, and each slot's entry (learned ones marked). */
export interface NodeSnapshot {
  readonly id: NodeId;
  readonly up: boolean;
  readonly role: string;
  readonly promised: string;
  readonly commit: number;
  /** `slot:entry/ballot`, e.g. `1:x#1@t2.1/4.1` (entry X of term 2.1 voted in ballot 4.1); `*` marks a learned slot. */
  readonly log: readonly string[];
}

export interface ScenarioStep {
  readonly label: string;
  readonly nodes: readonly NodeSnapshot[];
  /** Every slot some replica learned so far (the first value learned there), as `slot:entry`. */
  readonly committed: readonly string[];
  /** The messages delivered (or lost) during the step, oldest first. */
  readonly messages: readonly string[];
  /** Violations first seen during this step. */
  readonly violations: readonly SafetyViolation[];
}

export interface Expectation {
  readonly description: string;
  readonly held: boolean;
}

export interface ScenarioRun {
  readonly scenario: ScenarioName;
  readonly policy: string;
  readonly steps: readonly ScenarioStep[];
  readonly violations: readonly SafetyViolation[];
  /** True when no safety invariant was violated. */
  readonly safe: boolean;
  /** Should this policy be safe on this scenario? Only the broken variant on figure8 is not. */
  readonly expectedSafe: boolean;
  readonly expectations: readonly Expectation[];
  /** The verdict matches the expectation, and every expectation held. */
  readonly ok: boolean;
}

/** Only Raft without the current-term commit rule is expected to lose a committed entry, and only in Figure 8. */
export function expectedSafe(scenario: ScenarioName, policy: LeaderPolicy): boolean {
  return !(scenario === 'figure8' && policy.commit === 'replica-count');
}

function reserve(client: string, booking: string): Command<BookingOp> {
  return { client, seq: 1, op: { type: 'reserve', suite: 'S12', booking } };
}

/** Drives one cluster and records a step after each scripted action. */
class Script {
  readonly cluster: ScenarioCluster;
  readonly monitor = new SafetyMonitor<BookingOp>();
  readonly steps: ScenarioStep[] = [];
  readonly expectations: Expectation[] = [];
  private reported = 0;
  private seenEvents = 0;

  constructor(
    readonly protocol: MultiPaxosProtocol<BookingState, BookingOp, BookingResult>,
  ) {
    this.cluster = new Cluster(protocol);
    this.cluster.on((e) => {
      if (e.type === 'effect') this.monitor.effect(e.node, e.effect, this.cluster.states);
    });
  }

  state(id: NodeId): State {
    return this.cluster.state(id);
  }

  /**
   * Delivers the matching messages between the nodes of `among` (oldest first) until none is
   * left. A message that crosses the partition is lost; one inside it that does not match
   * stays in flight for a later step.
   */
  settle(among: readonly NodeId[], match: (m: Message) => boolean = () => true): void {
    const inside = (m: Message) => among.includes(m.from) && among.includes(m.to);
    const wanted = (m: Message) => inside(m) && match(m);
    this.cluster.drop((m) => !inside(m));
    for (let i = 0; i < 10_000 && this.cluster.inFlight.some(wanted); i += 1) {
      this.cluster.deliver(wanted);
      this.cluster.drop((m) => !inside(m));
    }
  }

  /** `node` campaigns (ticks until its timer fires) and only election messages flow among `among`, until it leads. */
  elect(node: NodeId, among: readonly NodeId[], attempts = 5): void {
    const election = (m: Message) => m.type === 'prepare' || m.type === 'promise' || m.type === 'rejected';
    for (let attempt = 0; attempt < attempts && this.state(node).role !== 'leader'; attempt += 1) {
      for (let t = 0; t < 1000 && this.state(node).role === 'follower'; t += 1) this.cluster.timeout(node);
      this.settle(among, election);
      // A candidate that did not win waits for its timer and tries again, above what it saw.
      for (let t = 0; t < 1000 && this.state(node).role === 'candidate'; t += 1) {
        const before = this.state(node).ballot;
        this.cluster.timeout(node);
        if (!ballots.equals(before, this.state(node).ballot)) break;
      }
      this.settle(among, election);
    }
    if (this.state(node).role !== 'leader') throw new Error(`synod: node ${node} could not be elected among ${among.join(',')}`);
  }

  /** A leader ticks until it has sent `rounds` heartbeats; messages flow among `among`. */
  heartbeats(node: NodeId, among: readonly NodeId[], rounds: number): void {
    for (let r = 0; r < rounds; r += 1) {
      const hb = this.protocol.nodes.length * 1000;
      for (let t = 0; t < hb && this.state(node).elapsed !== 0; t += 1) this.cluster.timeout(node);
      this.cluster.timeout(node);
      for (let t = 0; t < hb && this.state(node).elapsed !== 0; t += 1) this.cluster.timeout(node);
      this.settle(among);
    }
  }

  expect(description: string, held: boolean): void {
    this.expectations.push({ description, held });
  }

  /** Records the step: every node, what is committed, and the violations it brought. */
  step(label: string): void {
    this.monitor.check(this.cluster.states);
    const violations = this.monitor.violations.slice(this.reported);
    this.reported = this.monitor.violations.length;
    this.steps.push({
      label,
      nodes: this.protocol.nodes.map((id) => snapshot(this.state(id), this.cluster.isUp(id))),
      committed: [...this.monitor.committed()].map(([slot, e]) => `${slot}:${e}`),
      messages: this.cluster.events.slice(this.seenEvents).flatMap((e) => {
        switch (e.type) {
          case 'deliver':
            return [describeMessage(e.message) + (e.ignored === undefined ? '' : ' (ignored)')];
          case 'drop':
            return [`${describeMessage(e.message)} (lost)`];
          case 'send':
          case 'effect':
          case 'crash':
          case 'restart':
            return [];
          default:
            return assertNever(e, 'cluster event');
        }
      }),
      violations,
    });
    this.seenEvents = this.cluster.events.length;
  }

  /** Nodes (up or down) that hold an entry with this command, voted or learned. */
  holders(key: string): NodeId[] {
    return this.protocol.nodes.filter((id) => {
      const s = this.state(id);
      for (let slot = 0; slot < Math.max(s.votes.size, s.log.size); slot += 1) {
        const e = vec.get(s.log, slot) ?? vec.get(s.votes, slot)?.value;
        if (e?.kind === 'batch' && e.commands.some((c) => commandKey(c) === key)) return true;
      }
      return false;
    });
  }

  /** Nodes that learned the command. */
  learners(key: string): NodeId[] {
    return this.protocol.nodes.filter((id) => {
      const s = this.state(id);
      for (let slot = 0; slot < s.log.size; slot += 1) {
        const e = vec.get(s.log, slot);
        if (e?.kind === 'batch' && e.commands.some((c) => commandKey(c) === key)) return true;
      }
      return false;
    });
  }

  acked(key: string): boolean {
    return this.cluster.events.some((e) => e.type === 'effect' && e.effect.type === 'reply' && e.effect.reply.status === 'ok' && commandKey(e.effect) === key);
  }
}

/** `accept 1>2 4.1 s1 x#1@t2.1`: type, sender > receiver, ballot, and the slot and entry if any. */
export function describeMessage<Op>(m: MultiMessage<Op>): string {
  const head = `${m.type} ${m.from}>${m.to} ${ballots.format(m.ballot)}`;
  switch (m.type) {
    case 'accept':
    case 'accepted':
      return `${head} s${m.slot} ${entryLabel(m.value)}`;
    case 'prepare':
    case 'promise':
    case 'rejected':
    case 'catchup':
    case 'learn':
      return `${head} s${m.slot}`;
    case 'heartbeat':
      return `${head} c${m.commit}`;
    default:
      return assertNever(m, 'message');
  }
}

function snapshot(s: State, up: boolean): NodeSnapshot {
  const log: string[] = [];
  for (let slot = 0; slot < Math.max(s.votes.size, s.log.size); slot += 1) {
    const learned = vec.get(s.log, slot);
    const vote = vec.get(s.votes, slot);
    if (learned !== undefined) log.push(`${slot}:${entryLabel(learned)}*`);
    else if (vote !== undefined) log.push(`${slot}:${entryLabel(vote.value)}/${ballots.format(vote.ballot)}`);
  }
  return { id: s.id, up, role: s.role, promised: ballots.format(s.promised), commit: s.commit, log };
}

function protocolFor(policy: LeaderPolicy, nodes: number, startRound: number): MultiPaxosProtocol<BookingState, BookingOp, BookingResult> {
  return multiPaxosProtocol({
    quorums: majorities(nodes),
    machine: bookingAuthority,
    window: 4,
    batch: 1,
    heartbeat: 2,
    electionTimeout: 10,
    seed: 8,
    startRound,
    policy,
  });
}

const X = reserve('x', '#8841');
const Y = reserve('y', '#8849');

/** Figure 8 of the Raft paper, terms 2 to 5 (ballot rounds), five servers S1..S5. */
function figure8(s: Script): void {
  const all = [1, 2, 3, 4, 5];
  s.elect(1, all);
  s.settle(all);
  s.step('S1 leads term 2 (every node promised it)');
  s.cluster.request(1, X);
  s.settle([1, 2]);
  s.step('S1 replicates X to S2 only (accepts to S3..S5 lost)');
  s.cluster.crash(1);
  s.step('S1 crashes');
  s.elect(5, [5, 3, 4]);
  s.cluster.request(5, Y);
  s.cluster.drop((m) => m.from === 5);
  s.step('S5 leads term 3 with S3, S4 and writes Y locally (its accepts are lost)');
  s.cluster.crash(5);
  s.cluster.restart(1);
  s.step('S5 crashes, S1 restarts');
  s.elect(1, [1, 2, 3]);
  const term = s.state(1).ballot;
  // X (and what precedes it) reaches S2 and S3; the leader's own-term entry stays local.
  const old = (m: Message) => !(m.type === 'accept' && m.value.term !== undefined && ballots.equals(m.value.term, term));
  s.settle([1, 2, 3], old);
  s.expect('X is stored on a majority (S1, S2, S3) before S1 crashes', s.holders(commandKey(X)).length >= 3);
  s.step(`S1 leads term ${ballots.format(term)} with S2, S3 and replicates X to S3: X is on a majority`);
  const s1Learned = s.learners(commandKey(X)).includes(1);
  s.cluster.crash(1);
  s.cluster.drop((m) => m.from === 1);
  s.step(`S1 crashes (${s1Learned ? 'it had committed and applied X' : 'X was never committed'})`);
  s.cluster.restart(5);
  s.elect(5, [5, 2, 3, 4]);
  s.settle([5, 2, 3, 4]);
  s.heartbeats(5, [5, 2, 3, 4], 3);
  s.step(`S5 restarts, leads term ${ballots.format(s.state(5).ballot)} with S2, S3, S4 and replicates its log`);
  s.cluster.restart(1);
  s.heartbeats(5, all, 4);
  s.step('S1 restarts; the leader S5 brings every node up to date');
  s.expect('the leader of the last term commits its log', s.state(5).commit > 0);
}

/** Harbor Point, slot 812: the leader's proposal is accepted by a quorum, and the leader crashes before anyone learns it. */
function slot812(s: Script): void {
  const all = [1, 2, 3];
  s.elect(1, all);
  s.settle(all);
  s.heartbeats(1, all, 1);
  s.step(`harbor-1 leads ballot ${ballots.format(s.state(1).ballot)}`);
  s.cluster.request(1, X);
  s.settle([1, 2], (m) => m.type === 'accept');
  s.expect('#8841 is accepted by a quorum (harbor-1, harbor-2)', s.holders(commandKey(X)).length >= 2);
  s.step('harbor-1 proposes #8841; harbor-2 accepts; the acceptance never reaches harbor-1');
  s.cluster.crash(1);
  s.cluster.drop(() => true);
  s.step('harbor-1 crashes: nobody learned #8841');
  // harbor-3 tries first; under Raft its log is behind harbor-2's, so harbor-2 must lead.
  try {
    s.elect(3, [2, 3], 1);
  } catch {
    s.elect(2, [2, 3]);
  }
  const leader = s.state(3).role === 'leader' ? 3 : 2;
  s.settle([2, 3]);
  s.heartbeats(leader, [2, 3], 2);
  s.step(`harbor-${leader} leads ballot ${ballots.format(s.state(leader).ballot)} and finishes what harbor-1 began`);
  s.cluster.request(leader, Y);
  s.settle([2, 3]);
  s.heartbeats(leader, [2, 3], 2);
  s.step(`harbor-${leader} serves #8849 after it`);
  s.expect('#8841 is committed on the new quorum', s.learners(commandKey(X)).length >= 2);
  s.expect('#8849 was refused by the state machine (S12 is held by #8841)', bookedFor(s.state(leader)) === '#8841');
}

function bookedFor(s: State): string | undefined {
  return s.replica.machine['S12']?.booking;
}

/** A leader cut off from the others keeps its stale ballot; the newer ballot fences it. */
function partitionedLeader(s: Script): void {
  const all = [1, 2, 3];
  s.elect(1, all);
  s.settle(all);
  s.cluster.request(1, X);
  s.settle(all);
  s.heartbeats(1, all, 1);
  s.step(`S1 leads ballot ${ballots.format(s.state(1).ballot)} and commits X`);
  s.elect(2, [2, 3]);
  s.settle([2, 3]);
  s.heartbeats(2, [2, 3], 1);
  s.step(`S1 is cut off; S2 leads ballot ${ballots.format(s.state(2).ballot)} with S3`);
  const stale = s.state(1).ballot;
  s.cluster.request(1, Y);
  s.step(`S1, still leading ${ballots.format(stale)}, proposes Y; its accepts are in flight`);
  s.settle(all);
  s.step('the partition heals: S2 and S3 refuse the stale accepts, S1 steps down');
  s.heartbeats(2, all, 2);
  s.step('S2 brings S1 up to date');
  s.expect('the stale leader stepped down', s.state(1).role === 'follower');
  s.expect('Y, proposed in the stale ballot, was never acknowledged', !s.acked(commandKey(Y)));
  s.expect('Y was never learned', s.learners(commandKey(Y)).length === 0);
  s.expect('X, committed before the partition, is on every node', s.learners(commandKey(X)).length === 3);
}

const SCRIPTS: Readonly<Record<ScenarioName, { nodes: number; startRound: number; play: (s: Script) => void }>> = {
  figure8: { nodes: 5, startRound: 1, play: figure8 },
  slot812: { nodes: 3, startRound: 40, play: slot812 },
  'partitioned-leader': { nodes: 3, startRound: 0, play: partitionedLeader },
};

/** Plays the scenario under the policy and checks every safety invariant after each step. */
export function runScenario(scenario: ScenarioName, policy: LeaderPolicy): ScenarioRun {
  const spec = SCRIPTS[scenario];
  const s = new Script(protocolFor(policy, spec.nodes, spec.startRound));
  spec.play(s);
  const violations = [...s.monitor.violations];
  const safe = violations.length === 0;
  const want = expectedSafe(scenario, policy);
  return {
    scenario,
    policy: policy.name,
    steps: s.steps,
    violations,
    safe,
    expectedSafe: want,
    expectations: s.expectations,
    ok: safe === want && s.expectations.every((e) => e.held),
  };
}
