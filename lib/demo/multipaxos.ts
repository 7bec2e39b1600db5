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
 * committed, applied) are counted per node, separately.
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
    default:
      return null;
  }
}

export interface HarborLogStory {
  readonly lines: readonly string[];
  readonly violations: readonly Violation[];
  /** What every replica holds in slot 812, and who holds S12. */
  readonly slot812: readonly string[];
  readonly holder: string | null;
  readonly counters: Readonly<Record<string, Counters>>;
  readonly held: boolean;
}

/** The story above, played once (it is fully scripted: no randomness). */
export function harborPointLog(): HarborLogStory {
  const cluster: HarborCluster = new Cluster(multiPaxosProtocol(HARBOR_LOG_CONFIG));
  const monitor = new LogMonitor<Op>(HARBOR_LOG_CONFIG.quorums);
  const lines: string[] = [];
  const violations: Violation[] = [];
  let narrate = false;
  cluster.on((e: ClusterEvent<MultiMessage<Op>, MultiEffect<Op, BookingResult>>) => {
    if (e.type === 'effect') {
      const m = observedMessage(e.effect);
      if (m !== null) monitor.message(m);
      if (e.effect.type === 'reply' && e.effect.reply.status === 'ok') {
        monitor.ack(e.effect);
        if (narrate) lines.push(`${name(e.node)} : tells ${e.effect.client} ${JSON.stringify(e.effect.reply.result)}`);
      }
    }
    if (narrate && e.type === 'deliver') {
      const line = describe(e.message);
      if (line !== null) lines.push(line);
    }
    if (narrate && e.type === 'crash') lines.push(`${name(e.node)} : CRASHED (it keeps its promise, votes and chosen log)`);
    violations.push(...monitor.check([...cluster.states.values()].map((s) => ({ id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit }))));
  });
  const request = (node: NodeId, command: Command<Op>): void => {
    monitor.request(command);
    cluster.request(node, command);
  };
  const elect = (node: NodeId): void => {
    while (cluster.state(node).leader.role === 'follower') cluster.timeout(node);
    cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
  };
  const heartbeat = (node: NodeId): void => {
    for (let i = 0; i < HARBOR_LOG_CONFIG.heartbeat; i += 1) cluster.timeout(node);
    cluster.deliverAll();
  };

  elect(2);
  lines.push(`harbor-2 leads in ballot ${ballots.format(cluster.state(2).leader.ballot)}; slots 0..${SLOT - 1} hold other bookings`);
  for (let i = 0; i < SLOT; i += 1) {
    request(2, { client: 'front-desk', seq: i + 1, op: { type: i % 2 === 0 ? 'reserve' : 'release', suite: 'F', booking: `#${i - (i % 2)}` } });
    if (i % 4 === 3) cluster.deliverAll();
  }
  cluster.deliverAll();
  heartbeat(2);
  narrate = true;
  const a: Command<Op> = { client: 'terminal-a', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8841' } };
  lines.push('-- terminal A asks harbor-2 to reserve S12 for #8841');
  request(2, a);
  cluster.deliver((m) => m.type === 'accept' && m.slot === SLOT && m.to === 1);
  lines.push(`-- harbor-1 and harbor-2 accepted it: chosen (${monitor.isChosen(a) ? 'yes' : 'no'}), but harbor-2 never hears`);
  cluster.crash(2);
  cluster.drop(() => true);
  elect(3);
  lines.push(`-- harbor-3 leads in ballot ${ballots.format(cluster.state(3).leader.ballot)}`);
  cluster.deliverAll();
  lines.push('-- terminal A heard nothing and retries the same command at harbor-3');
  request(3, a);
  cluster.deliverAll();
  lines.push('-- terminal B asks harbor-3 to reserve S12 for #8849');
  request(3, { client: 'terminal-b', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8849' } });
  cluster.deliverAll();
  cluster.restart(2);
  heartbeat(3);
  heartbeat(3);
  const slot812 = [1, 2, 3].map((id) => {
    const e = vec.get(cluster.state(id).learner.log, SLOT);
    return `${name(id)}: ${e === undefined ? 'unknown' : showEntry(e)}`;
  });
  const holder = cluster.state(3).learner.replica.machine['S12']?.booking ?? null;
  const counters = Object.fromEntries([1, 2, 3].map((id) => [name(id), cluster.state(id).counters]));
  for (const id of [1, 2, 3]) {
    const c = cluster.state(id).counters;
    lines.push(`${name(id)} stages: proposed ${c.proposed}, quorum-acknowledged ${c.quorumAcknowledged}, committed ${c.committed}, applied ${c.applied}`);
  }
  const held = violations.length === 0 && holder === '#8841' && slot812.every((s) => s.endsWith('reserve S12 for #8841'));
  lines.push(held ? 'slot 812 = #8841 on every replica; S12 was booked once' : 'FAILED');
  return { lines, violations, slot812, holder, counters, held };
}
