/**
 * The Harbor Point booking authority at log level: Multi-Paxos (lib/multipaxos) running the
 * booking state machine on harbor-1..3, the cluster having used rounds up to 40.
 *
 *   1. harbor-2 leads in ballot 41.2 (phase 1 once) and fills slots 0..811 with other bookings.
 *   2. Terminal A asks for "reserve suite S12 for booking #8841": slot 812. harbor-1 accepts it,
 *      so a quorum (harbor-1, harbor-2) has accepted it, and harbor-2 crashes before it hears so.
 *   3. harbor-3's election timer runs out: ballot 42.3. harbor-1's promise reports slot 812 =
 *      #8841 at 41.2, so harbor-3 re-proposes #8841 there; it never proposes #8849 for slot 812.
 *   4. Terminal A, whose reply was lost, retries the same command (same session, same number)
 *      at harbor-3: it is applied once, and the retry gets the first result.
 *   5. Terminal B's "reserve S12 for #8849" is refused: S12 is held by #8841.
 *
 * Every invariant is checked after every event; the stages (proposed, quorum-acknowledged,
 * committed, applied) are counted per node, separately. The counters are volatile, as a real
 * node's are: a crash resets them, so a crashed node's figures are shown before its crash and
 * since its restart.
 *
 * The fifth story, stale-leader fencing (`staleLeaderFencing`): harbor-2, leader of ballot
 * 41.2, is cut off while harbor-3 is elected in 42.3 with harbor-1. Back on the network and
 * still believing it leads, harbor-2 takes terminal A's command and sends accepts for slot 812
 * in 41.2; harbor-1 and harbor-3 have promised 42.3, so they refuse them (rejected, with the
 * ballot they promised); harbor-2 steps down and tells terminal A its command may not have
 * happened (indeterminate: retry, at the leader it names); the retry at harbor-3 books it in
 * slot 812, ballot 42.3.
 */
import { Cluster } from '../harness/cluster';
import type { ClusterEvent } from '../harness/cluster';
import { LogMonitor } from '../invariants/log';
import type { Violation } from '../invariants/voting';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import { bookingAuthority } from '../machine/booking';
import type { Command } from '../machine/command';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import type { Counters, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord } from '../multipaxos/node';
import { multiPaxosProtocol, observedMessage } from '../multipaxos/node';
import * as vec from '../core/vector';
import * as ballots from '../paxos/ballot';
import { majorities } from '../paxos/quorum';
import type { NodeId } from '../core/types';

type Op = BookingOp;
type HarborCluster = Cluster<MultiNodeState<BookingState, Op, BookingResult>, MultiMessage<Op>, MultiEffect<Op, BookingResult>, MultiRecord<Op>, Command<Op>>;

export const SLOT = 812;

export const HARBOR_LOG_CONFIG: MultiPaxosConfig<BookingState, Op, BookingResult> = {
  quorums: majorities(3),
  machine: bookingAuthority,
  window: 4,
  batch: 1,
  heartbeat: 2,
  electionTimeout: 5,
  seed: 812,
  startRound: 40,
};

const name = (node: NodeId): string => `harbor-${node}`;

function showEntry(e: Entry<Op>): string {
  return e.kind === 'noop' ? 'no-op' : e.commands.map((c) => `${c.op.type} ${c.op.suite} for ${c.op.booking}`).join(' + ');
}

function describe(m: MultiMessage<Op>): string | null {
  const head = `${name(m.from)} -> ${name(m.to)} : ${m.type}`;
  switch (m.type) {
    case 'prepare':
      return `${head} ballot ${ballots.format(m.ballot)} for every slot from ${m.slot}`;
    case 'promise': {
      const at = m.entries.find((e) => e.slot === SLOT);
      return `${head} ballot ${ballots.format(m.ballot)}${at === undefined ? '' : ` (slot ${SLOT}: accepted ${showEntry(at.value)} in ${ballots.format(at.ballot)})`}`;
    }
    case 'accept':
    case 'accepted':
      return m.slot < SLOT ? null : `${head} slot ${m.slot} ballot ${ballots.format(m.ballot)} = ${showEntry(m.value)}`;
    case 'rejected':
      return `${head} ballot ${ballots.format(m.ballot)} for slot ${m.slot}: refused, promised ${ballots.format(m.promised)}`;
    default:
      return null;
  }
}

/** The one-line legend of the per-node stage counters. */
export const STAGE_LEGEND =
  'stages, per node: proposed = commands it put in a slot as leader; quorum-acknowledged = of those, accepted by a quorum; ' +
  'committed = slots it knows are chosen; applied = slots its replica executed. Counters are volatile: a crash resets them.';

export interface HarborLogStory {
  readonly lines: readonly string[];
  readonly violations: readonly Violation[];
  /** What every replica holds in slot 812, and who holds S12. */
  readonly slot812: readonly string[];
  readonly holder: string | null;
  readonly counters: Readonly<Record<string, Counters>>;
  readonly held: boolean;
  /** Everything the scripted cluster did, in order (`synod demo --trace` writes it as a trace). */
  readonly events: readonly ClusterEvent<MultiMessage<Op>, MultiEffect<Op, BookingResult>, Command<Op>>[];
}

/** The log-level cluster, with the monitor after every event and a narration that can be switched on. */
class HarborLog {
  readonly cluster: HarborCluster = new Cluster(multiPaxosProtocol(HARBOR_LOG_CONFIG));
  readonly monitor = new LogMonitor<Op>(HARBOR_LOG_CONFIG.quorums);
  readonly lines: string[] = [];
  readonly violations: Violation[] = [];
  narrate = false;
  /** Replies to these clients are lost (the client is waiting on another node): printed as such. */
  readonly deaf = new Set<string>();
  /** Counters of a node as they were just before it crashed. */
  readonly beforeCrash = new Map<NodeId, Counters>();
  /** Replies given, in order. */
  readonly replies: { node: NodeId; client: string; status: string }[] = [];

  constructor() {
    this.cluster.on((e: ClusterEvent<MultiMessage<Op>, MultiEffect<Op, BookingResult>>) => {
      if (e.type === 'effect') {
        const m = observedMessage(e.effect);
        if (m !== null) this.monitor.message(m);
        if (e.effect.type === 'reply') {
          const f = e.effect;
          if (f.reply.status === 'ok') this.monitor.ack(f);
          this.replies.push({ node: e.node, client: f.client, status: f.reply.status });
          if (this.narrate) {
            const what = f.reply.status === 'ok'
              ? JSON.stringify(f.reply.result)
              : `${f.reply.status}: ${f.reply.status === 'indeterminate' ? 'it may or may not have happened; retry' : 'not the leader; retry'}${f.reply.leader === null ? '' : ` at ${name(f.reply.leader)}`}`;
            this.lines.push(`${name(e.node)} : tells ${f.client} ${what}${this.deaf.has(f.client) ? ` (lost: ${f.client} is waiting on harbor-2's connection and never sees it)` : ''}`);
          }
        }
      }
      if (this.narrate && e.type === 'deliver') {
        const line = describe(e.message);
        if (line !== null) this.lines.push(line);
      }
      if (this.narrate && e.type === 'crash') this.lines.push(`${name(e.node)} : CRASHED (it keeps its promise, votes and chosen log)`);
      // After every step (and every crash, restart or loss), with the step's messages and replies recorded.
      if (e.type === 'effect' || e.type === 'send' || e.type === 'deliver' || e.type === 'request') return;
      this.violations.push(...this.monitor.check([...this.cluster.states.values()].map((s) => ({ id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit }))));
    });
  }

  request(node: NodeId, command: Command<Op>): void {
    this.monitor.request(command);
    this.cluster.request(node, command);
  }

  /** Times `node` out until it campaigns, then delivers phase 1 among the nodes `among`. */
  elect(node: NodeId, among: readonly NodeId[] = [1, 2, 3]): void {
    while (this.cluster.state(node).leader.role === 'follower') this.cluster.timeout(node);
    const phase1 = (m: MultiMessage<Op>): boolean => m.type === 'prepare' || m.type === 'promise';
    this.cluster.drop((m) => phase1(m) && !(among.includes(m.from) && among.includes(m.to)));
    this.cluster.deliverAll(phase1);
  }

  heartbeat(node: NodeId): void {
    for (let i = 0; i < HARBOR_LOG_CONFIG.heartbeat; i += 1) this.cluster.timeout(node);
    this.cluster.deliverAll();
  }

  crash(node: NodeId): void {
    this.beforeCrash.set(node, this.cluster.state(node).counters);
    this.cluster.crash(node);
  }

  /** harbor-2 leads in 41.2 and fills slots 0..811 with other bookings; narration starts. */
  prologue(): void {
    this.elect(2);
    this.lines.push(`harbor-2 leads in ballot ${ballots.format(this.cluster.state(2).leader.ballot)}; slots 0..${SLOT - 1} hold other bookings`);
    for (let i = 0; i < SLOT; i += 1) {
      this.request(2, { client: 'front-desk', seq: i + 1, op: { type: i % 2 === 0 ? 'reserve' : 'release', suite: 'F', booking: `#${i - (i % 2)}` } });
      if (i % 4 === 3) this.cluster.deliverAll();
    }
    this.cluster.deliverAll();
    this.heartbeat(2);
    this.narrate = true;
  }

  /** Per node, the stage counters (before and since a crash, for a node that crashed), under the legend. */
  stageLines(): string[] {
    const show = (c: Counters): string => `proposed ${c.proposed}, quorum-acknowledged ${c.quorumAcknowledged}, committed ${c.committed}, applied ${c.applied}`;
    const out = [STAGE_LEGEND];
    for (const id of [1, 2, 3]) {
      const before = this.beforeCrash.get(id);
      const now = show(this.cluster.state(id).counters);
      out.push(`${name(id)} stages: ${before === undefined ? now : `${show(before)} before its crash; since its restart: ${now}`}`);
    }
    return out;
  }

  finish(): Omit<HarborLogStory, 'held'> {
    const events = this.cluster.events;
    const slot812 = [1, 2, 3].map((id) => {
      const e = vec.get(this.cluster.state(id).learner.log, SLOT);
      return `${name(id)}: ${e === undefined ? 'unknown' : showEntry(e)}`;
    });
    const holder = this.cluster.state(3).learner.replica.machine['S12']?.booking ?? null;
    const counters = Object.fromEntries([1, 2, 3].map((id) => [name(id), this.cluster.state(id).counters]));
    this.lines.push(...this.stageLines());
    return { lines: this.lines, violations: this.violations, slot812, holder, counters, events };
  }
}

const TERMINAL_A: Command<Op> = { client: 'terminal-a', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8841' } };

/** Story 4, played once (it is fully scripted: no randomness). */
export function harborPointLog(): HarborLogStory {
  const h = new HarborLog();
  const cluster = h.cluster;
  h.prologue();
  const a = TERMINAL_A;
  h.lines.push('-- terminal A asks harbor-2 to reserve S12 for #8841');
  h.request(2, a);
  cluster.deliver((m) => m.type === 'accept' && m.slot === SLOT && m.to === 1);
  h.lines.push(`-- harbor-1 and harbor-2 accepted it: chosen (${h.monitor.isChosen(a) ? 'yes' : 'no'}), but harbor-2 never hears`);
  h.crash(2);
  cluster.drop(() => true);
  // Terminal A's connection is to harbor-2: whatever another node tells it, it does not see.
  h.deaf.add(a.client);
  h.elect(3);
  h.lines.push(`-- harbor-3 leads in ballot ${ballots.format(cluster.state(3).leader.ballot)}`);
  cluster.deliverAll();
  h.deaf.delete(a.client);
  h.lines.push('-- terminal A heard nothing from harbor-2 and retries the same command at harbor-3: the session answers with the first result, without booking again');
  h.request(3, a);
  cluster.deliverAll();
  h.lines.push('-- terminal B asks harbor-3 to reserve S12 for #8849');
  h.request(3, { client: 'terminal-b', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8849' } });
  cluster.deliverAll();
  cluster.restart(2);
  h.heartbeat(3);
  h.heartbeat(3);
  const story = h.finish();
  const held = story.violations.length === 0 && story.holder === '#8841' && story.slot812.every((s) => s.endsWith('reserve S12 for #8841'));
  h.lines.push(held ? 'slot 812 = #8841 on every replica; S12 was booked once' : 'FAILED');
  return { ...story, held };
}

export interface FencingStory extends HarborLogStory {
  /** Rejections harbor-2's accepts for slot 812 in ballot 41.2 drew. */
  readonly refused: number;
  /** What harbor-2 told terminal A, then what the leader told it on the retry. */
  readonly toldTerminalA: readonly string[];
}

/** Story 5: stale-leader fencing, played once (fully scripted). */
export function staleLeaderFencing(): FencingStory {
  const h = new HarborLog();
  const cluster = h.cluster;
  h.prologue();
  const old = ballots.format(cluster.state(2).leader.ballot);
  h.lines.push(`-- harbor-2 is cut off by a partition; it keeps running and still believes it leads ballot ${old}`);
  h.elect(3, [1, 3]);
  cluster.drop((m) => m.to === 2 || m.from === 2);
  const fresh = ballots.format(cluster.state(3).leader.ballot);
  h.lines.push(`-- harbor-3 is elected in ballot ${fresh} by harbor-1 and itself; both have promised ${fresh}`);
  h.lines.push(`-- the partition heals; terminal A asks harbor-2, the old leader, to reserve S12 for #8841`);
  h.request(2, TERMINAL_A);
  let refused = 0;
  const stale = (m: MultiMessage<Op>): boolean => m.from === 2 && m.type === 'accept' && m.slot === SLOT;
  cluster.deliverAll(stale);
  const rejections = cluster.inFlight.filter((m) => m.type === 'rejected' && m.to === 2).length;
  refused += rejections;
  cluster.deliverAll((m) => m.type === 'rejected' && m.to === 2);
  cluster.drop((m) => m.from === 2);
  h.lines.push(`-- harbor-2 has stepped down (role ${cluster.state(2).leader.role}); terminal A retries at harbor-3`);
  h.request(3, TERMINAL_A);
  cluster.deliverAll();
  h.heartbeat(3);
  h.heartbeat(3);
  h.lines.push(`-- why harbor-2's #8841 stopped at "proposed": its accepts for slot ${SLOT} in ${old} drew ${refused} refusals (promised ${fresh}), so it never reached quorum-acknowledged; #8841 was booked through harbor-3 instead`);
  const story = h.finish();
  const toldTerminalA = h.replies.filter((r) => r.client === TERMINAL_A.client).map((r) => `${name(r.node)}: ${r.status}`);
  const staleAccepted = cluster.sent.some((m) => m.type === 'accepted' && m.slot === SLOT && ballots.format(m.ballot) === old);
  const held =
    story.violations.length === 0 &&
    refused === 2 &&
    !staleAccepted &&
    toldTerminalA.join(', ') === 'harbor-2: indeterminate, harbor-3: ok' &&
    story.holder === '#8841' &&
    story.slot812.every((s) => s.endsWith('reserve S12 for #8841'));
  h.lines.push(
    held
      ? `harbor-2's accepts for slot 812 in ${old} were refused by both acceptors (promised ${fresh}); its client was told to retry, and the retry booked S12 in ${fresh}`
      : 'FAILED',
  );
  return { ...story, held, refused, toldTerminalA };
}
