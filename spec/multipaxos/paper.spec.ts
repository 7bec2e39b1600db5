/**
 * "Paxos Made Simple", section 3 ("Implementing a State Machine"), sentence by sentence, on
 * scripted schedules of the Harbor Point booking authority: harbor-1..3, ballots from 41.
 * Every invariant is checked after every event of every schedule.
 */
import { expect } from 'chai';
import type { BookingOp, BookingResult, BookingState } from '../../lib/machine/booking';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { bookingAuthority } from '../../lib/machine/booking';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { Entry } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import { toObject } from '../../lib/core/hashmap';
import { harborPointLog } from '../../lib/demo/multipaxos';
import * as ballots from '../../lib/paxos/ballot';
import type { Scripted } from './helpers';
import { campaign, elect, expectNoViolations, harborConfig, heartbeat, logOf, okReplies, request, scripted } from './helpers';

type Booking = Scripted<BookingState, BookingOp, BookingResult>;

const reserve = (client: string, seq: number, suite: string, booking: string): Command<BookingOp> => ({
  client,
  seq,
  op: { type: 'reserve', suite, booking },
});

const bookings = (entry: Entry<BookingOp> | undefined): string[] =>
  entry === undefined || entry.kind === 'noop' ? ['noop'] : entry.commands.map((c) => `${c.op.type} ${c.op.suite} ${c.op.booking}`);

/** Fills slots 0..count-1 with unrelated bookings (suite F reserved, released, ...) through `leader`, four in flight at a time. */
function fill(t: Booking, leader: number, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const booking = `#${i - (i % 2)}`;
    const op: BookingOp = { type: i % 2 === 0 ? 'reserve' : 'release', suite: 'F', booking };
    request(t, leader, { client: 'filler', seq: i + 1, op });
    if (i % 4 === 3 || i === count - 1) t.cluster.deliverAll();
  }
  heartbeat(t, leader);
}

describe('Multi-Paxos, "Paxos Made Simple" section 3, on scripted schedules', () => {
  it('"the effective cost of executing a state machine command ... is the cost of executing only phase 2": runs phase 1 once per leadership: in steady state a command costs one accept and one accepted per follower, and no prepare', () => {
    const t = scripted(harborConfig(kvStore, { window: 2 }));
    elect(t, 1);
    const prepares = t.cluster.sent.filter((m) => m.type === 'prepare').length;
    expect(prepares).to.equal(2);
    const before = t.cluster.sent.length;
    for (let seq = 1; seq <= 30; seq += 1) {
      request(t, 1, { client: 'c', seq, op: { type: 'put', key: 'k', value: seq } });
      if (seq % 3 === 0) t.cluster.deliverAll();
      if (seq % 6 === 0) heartbeat(t, 1);
    }
    t.cluster.deliverAll();
    const steady = t.cluster.sent.slice(before);
    expect(steady.filter((m) => m.type === 'prepare' || m.type === 'promise')).to.have.length(0);
    const slots = t.cluster.state(1).learner.commit;
    expect(slots).to.equal(30);
    expect(steady.filter((m) => m.type === 'accept')).to.have.length(2 * slots);
    expect(steady.filter((m) => m.type === 'accepted')).to.have.length(2 * slots);
    expect(t.cluster.state(1).counters.electionsStarted).to.equal(1);
    expect(okReplies(t, 'c', 30)).to.deep.equal([{ ok: true, value: 29 }]);
    expectNoViolations(t);
  });

  it('"To guarantee that all servers execute the same sequence of state machine commands, we implement a sequence of separate instances of the Paxos consensus algorithm": carries the commit point on the next accept or heartbeat; every replica applies the same log in the same order', () => {
    const t = scripted(harborConfig(kvStore));
    elect(t, 1);
    request(t, 1, { client: 'c', seq: 1, op: { type: 'put', key: 'k', value: 1 } });
    t.cluster.deliverAll();
    expect(t.cluster.state(1).learner.commit).to.equal(1);
    expect(t.cluster.state(2).learner.commit, 'a follower has not heard the commit point yet').to.equal(0);
    request(t, 1, { client: 'c', seq: 2, op: { type: 'cas', key: 'k', expect: 1, value: 2 } });
    t.cluster.deliver((m) => m.type === 'accept' && m.to === 2);
    expect(t.cluster.state(2).learner.commit, 'slot 0 learned from the commit point on the accept of slot 1').to.equal(1);
    t.cluster.deliverAll();
    heartbeat(t, 1);
    for (const id of [1, 2, 3]) {
      expect(t.cluster.state(id).learner.commit).to.equal(2);
      expect(toObject(t.cluster.state(id).learner.replica.machine)).to.deep.equal({ k: 2 });
    }
    expect(logOf(t, 2)).to.deep.equal(logOf(t, 1));
    expectNoViolations(t);
  });

  it('"It then executes phase 1 of instances 135–137 and of all instances greater than 139": slot 812: a new leader keeps #8841, accepted by a quorum in ballot 41.2 before harbor-2 crashed, and #8849 is refused', () => {
    const t: Booking = scripted(harborConfig(bookingAuthority));
    elect(t, 2);
    fill(t, 2, 812);
    expect(t.cluster.state(3).learner.commit).to.equal(812);
    request(t, 2, reserve('terminal-a', 1, 'S12', '#8841'));
    t.cluster.deliver((m) => m.type === 'accept' && m.slot === 812 && m.to === 1);
    expect(t.monitor.isChosen({ client: 'terminal-a', seq: 1 }), 'harbor-1 and harbor-2 accepted: chosen').to.equal(true);
    t.cluster.crash(2);
    t.cluster.drop(() => true);
    expect(okReplies(t, 'terminal-a', 1), 'harbor-2 crashed before it heard the quorum').to.deep.equal([]);

    elect(t, 3);
    expect(ballots.format(t.cluster.state(3).leader.ballot)).to.equal('42.3');
    const reproposed = t.cluster.inFlight.find((m) => m.type === 'accept' && m.slot === 812);
    expect(reproposed?.type === 'accept' ? bookings(reproposed.value) : null).to.deep.equal(['reserve S12 #8841']);
    t.cluster.deliverAll();
    request(t, 3, reserve('terminal-b', 1, 'S12', '#8849'));
    t.cluster.deliverAll();
    heartbeat(t, 3);
    expect(bookings(logOf(t, 3)[812])).to.deep.equal(['reserve S12 #8841']);
    expect(okReplies(t, 'terminal-b', 1)).to.deep.equal([{ ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking #8841' }]);
    t.cluster.restart(2);
    heartbeat(t, 3);
    for (const id of [1, 2, 3]) {
      expect(bookings(logOf(t, id)[812]), `harbor-${id}`).to.deep.equal(['reserve S12 #8841']);
      expect(t.cluster.state(id).learner.replica.machine['S12']).to.deep.equal({ booking: '#8841', status: 'reserved' });
    }
    expectNoViolations(t);
  });

  it('"... but leaves the proposed value unconstrained in all other instances": slot 812: accepted by harbor-2 alone before it crashed, #8841 was not chosen, so a later leader may choose either', () => {
    const outcome = (harbor2BackForElection: boolean): string[] => {
      const t: Booking = scripted(harborConfig(bookingAuthority));
      elect(t, 2);
      fill(t, 2, 812);
      request(t, 2, reserve('terminal-a', 1, 'S12', '#8841'));
      expect(t.monitor.isChosen({ client: 'terminal-a', seq: 1 })).to.equal(false);
      t.cluster.crash(2);
      t.cluster.drop(() => true);
      if (harbor2BackForElection) t.cluster.restart(2);
      campaign(t, 3);
      // harbor-3 hears harbor-2's promise (reporting #8841 at 41.2) only if harbor-2 is back.
      t.cluster.deliverAll((m) => m.type === 'prepare' || (m.type === 'promise' && (harbor2BackForElection ? m.from === 2 : true)));
      expect(t.cluster.state(3).leader.role).to.equal('leader');
      t.cluster.drop((m) => m.type === 'promise');
      t.cluster.deliverAll();
      request(t, 3, reserve('terminal-b', 1, 'S12', '#8849'));
      t.cluster.deliverAll();
      if (!harbor2BackForElection) t.cluster.restart(2);
      heartbeat(t, 3);
      heartbeat(t, 3);
      for (const id of [1, 2]) expect(logOf(t, id)[812]).to.deep.equal(logOf(t, 3)[812]);
      expectNoViolations(t);
      const holder = t.cluster.state(3).learner.replica.machine['S12'];
      return [...bookings(logOf(t, 3)[812]), `S12 held by ${holder?.booking ?? 'nobody'}`];
    };
    expect(outcome(true)).to.deep.equal(['reserve S12 #8841', 'S12 held by #8841']);
    expect(outcome(false)).to.deep.equal(['reserve S12 #8849', 'S12 held by #8849']);
  });

  it('"a special \'no-op\' command that leaves the state unchanged": fills holes with no-ops: a slot no promise reported gets a no-op, the slots around it keep their values', () => {
    const t = scripted(harborConfig(kvStore));
    elect(t, 1);
    const put = (seq: number): Command<KvOp> => ({ client: 'c', seq, op: { type: 'put', key: `k${seq}`, value: seq } });
    for (const seq of [1, 2, 3]) request(t, 1, put(seq));
    t.cluster.deliver((m) => m.type === 'accept' && m.slot === 0 && m.to === 2);
    t.cluster.deliver((m) => m.type === 'accept' && m.slot === 2 && m.to === 2);
    t.cluster.crash(1);
    t.cluster.drop(() => true);
    elect(t, 2);
    t.cluster.deliverAll();
    heartbeat(t, 2);
    const log = logOf(t, 2);
    expect(log.map((e) => (e.kind === 'noop' ? 'noop' : e.commands.map((c) => c.seq).join(',')))).to.deep.equal(['1', 'noop', '3']);
    expect(log[1]).to.deep.equal(NOOP);
    expect(logOf(t, 3)).to.deep.equal(log);
    expect(toObject(t.cluster.state(2).learner.replica.machine)).to.deep.equal({ k1: 1, k3: 3 });
    expect(okReplies(t, 'c', 2), 'the command in the hole was never chosen, never acknowledged').to.deep.equal([]);
    expectNoViolations(t);
  });

  it('"safety is preserved—two different servers will never disagree on the value chosen as the ith state machine command": fences a stale leader: its uncommitted proposal is never acknowledged, the client is told to retry, and the retry commits once', () => {
    const t = scripted(harborConfig(kvStore));
    elect(t, 1);
    request(t, 1, { client: 'a', seq: 1, op: { type: 'put', key: 'k', value: 1 } });
    t.cluster.deliverAll();
    const isolated = (m: { from: number; to: number }) => m.from === 1 || m.to === 1;
    request(t, 1, { client: 'a', seq: 2, op: { type: 'put', key: 'k', value: 2 } });
    t.cluster.drop(isolated);
    campaign(t, 2);
    t.cluster.drop(isolated);
    t.cluster.deliverAll((m) => m.type === 'prepare' || m.type === 'promise');
    expect(t.cluster.state(2).leader.role).to.equal('leader');
    request(t, 2, { client: 'b', seq: 1, op: { type: 'put', key: 'k', value: 3 } });
    t.cluster.deliverAll((m) => !isolated(m));
    t.cluster.drop(isolated);
    expect(t.cluster.state(1).leader.role, 'the old leader still believes it leads').to.equal('leader');
    // The partition heals: harbor-1 retransmits its accept of ballot 41.1; the promise of 42.2 refuses it.
    heartbeat(t, 1);
    expect(t.cluster.state(1).leader.role).to.equal('follower');
    expect(t.replies.filter((r) => r.client === 'a' && r.seq === 2).map((r) => r.reply)).to.deep.equal([{ status: 'indeterminate', leader: 2 }]);
    heartbeat(t, 2);
    expect(logOf(t, 1)).to.deep.equal(logOf(t, 2));
    request(t, 2, { client: 'a', seq: 2, op: { type: 'put', key: 'k', value: 2 } });
    t.cluster.deliverAll();
    expect(okReplies(t, 'a', 2)).to.deep.equal([{ ok: true, value: 3 }]);
    expect(t.replies.filter((r) => r.node === 1 && r.client === 'a' && r.seq === 2 && r.reply.status === 'ok')).to.have.length(0);
    expectNoViolations(t);
  });

  it('"Clients send commands to the leader, who decides where in the sequence each command should appear": books suite S12 once when terminal A retries after its reply was lost, even though the command lands in two slots', () => {
    const t: Booking = scripted(harborConfig(bookingAuthority));
    elect(t, 2);
    const first = reserve('terminal-a', 1, 'S12', '#8841');
    request(t, 2, first);
    t.cluster.deliverAll();
    expect(okReplies(t, 'terminal-a', 1), 'harbor-2 replied; the reply is lost on the way').to.have.length(1);
    t.cluster.crash(2);
    t.cluster.drop(() => true);
    elect(t, 3);
    // Terminal A times out and retries the same command (same session, same sequence number) at harbor-3.
    request(t, 3, first);
    t.cluster.deliverAll();
    request(t, 3, reserve('terminal-b', 1, 'S12', '#8849'));
    t.cluster.deliverAll();
    heartbeat(t, 3);
    const log = logOf(t, 3).map(bookings);
    expect(log).to.deep.equal([['reserve S12 #8841'], ['reserve S12 #8841'], ['reserve S12 #8849']]);
    const reserved = { ok: true, suite: 'S12', booking: '#8841', status: 'reserved' };
    for (const r of okReplies(t, 'terminal-a', 1)) expect(r).to.deep.equal(reserved);
    expect(t.cluster.state(3).learner.replica.machine).to.deep.equal({ S12: { booking: '#8841', status: 'reserved' } });
    expect(t.cluster.state(3).counters.applied, 'applied once at harbor-3 (plus #8849, refused but applied)').to.equal(2);
    expect(okReplies(t, 'terminal-b', 1)[0]).to.include({ ok: false });
    expectNoViolations(t);
  });

  it('"it can propose commands i + 1 through i + α after commands 1 through i are chosen": batches queued commands into one slot and keeps at most `window` slots in flight', () => {
    const t = scripted(harborConfig(kvStore, { window: 2, batch: 3 }));
    elect(t, 1);
    for (let seq = 1; seq <= 8; seq += 1) request(t, 1, { client: `c${seq}`, seq: 1, op: { type: 'put', key: 'k', value: seq } });
    expect(t.cluster.state(1).leader.inflight.map((p) => p.slot)).to.deep.equal([0, 1]);
    t.cluster.deliverAll();
    heartbeat(t, 1);
    const sizes = logOf(t, 1).map((e) => (e.kind === 'batch' ? e.commands.length : 0));
    expect(sizes).to.deep.equal([1, 1, 3, 3]);
    expect(toObject(t.cluster.state(1).learner.replica.machine)).to.deep.equal({ k: 8 });
    expectNoViolations(t);
  });

  it('"any other server that learns all the commands the leader knows": lets a follower that missed accepts catch up from the leader', () => {
    const t = scripted(harborConfig(kvStore));
    elect(t, 1);
    for (let seq = 1; seq <= 6; seq += 1) {
      request(t, 1, { client: 'c', seq, op: { type: 'put', key: 'k', value: seq } });
      t.cluster.drop((m) => m.to === 3);
      t.cluster.deliverAll();
    }
    expect(t.cluster.state(3).learner.commit).to.equal(0);
    heartbeat(t, 1);
    expect(t.cluster.sent.filter((m) => m.type === 'catchup')).to.have.length(1);
    expect(t.cluster.sent.filter((m) => m.type === 'learn')).to.have.length(1);
    expect(logOf(t, 3)).to.deep.equal(logOf(t, 1));
    expect(toObject(t.cluster.state(3).learner.replica.machine)).to.deep.equal({ k: 6 });
    expectNoViolations(t);
  });

  it('"In normal operation, a single server is elected to be the leader": elects by randomized timeouts over logical ticks; heartbeats hold followers back; a higher ballot deposes the leader', () => {
    const t = scripted(harborConfig(kvStore));
    const timeouts = [1, 2, 3].map((id) => t.cluster.state(id).timer.timeoutAt);
    for (const d of timeouts) expect(d).to.be.within(5, 9);
    expect(new Set(scripted(harborConfig(kvStore, { seed: 1 })).cluster.states.get(1)!.timer.timeoutAt + '').size).to.equal(1);
    elect(t, 1);
    for (let tick = 0; tick < 60; tick += 1) {
      for (const id of [1, 2, 3]) t.cluster.timeout(id);
      t.cluster.deliverAll();
    }
    expect([2, 3].map((id) => t.cluster.state(id).counters.electionsStarted)).to.deep.equal([0, 0]);
    // The leader falls silent: the follower whose timer runs out first campaigns, and wins.
    const ticks = [2, 3].map((id) => t.cluster.state(id).timer.timeoutAt);
    const first = ticks[0]! <= ticks[1]! ? 2 : 3;
    for (let tick = 0; tick < 20 && t.cluster.state(first).leader.role === 'follower'; tick += 1) {
      for (const id of [2, 3]) t.cluster.timeout(id);
    }
    t.cluster.deliverAll();
    expect(t.cluster.state(first).leader.role).to.equal('leader');
    expect(t.cluster.state(1).leader.role, 'the prepare of the higher ballot deposed harbor-1').to.equal('follower');
    expect(t.cluster.state(first).counters.electionsWon).to.equal(1);
    expectNoViolations(t);
  });

  it('"If the leader decides that a certain client command should be the 135th command, it tries to have that command chosen as the value of the 135th instance": counts the stages: proposed, quorum-acknowledged, committed, applied; elections; ballot changes; messages by type', () => {
    const t = scripted(harborConfig(kvStore, { window: 1, batch: 4 }));
    elect(t, 1);
    for (let seq = 1; seq <= 5; seq += 1) request(t, 1, { client: 'c', seq, op: { type: 'get', key: 'k' } });
    expect(t.cluster.state(1).counters).to.include({ proposed: 1, quorumAcknowledged: 0, committed: 0, applied: 0 });
    t.cluster.deliverAll();
    heartbeat(t, 1);
    expect(t.cluster.state(1).counters).to.deep.include({
      proposed: 5,
      quorumAcknowledged: 5,
      committed: 5,
      applied: 5,
      electionsStarted: 1,
      electionsWon: 1,
      ballotChanges: 1,
    });
    expect(t.cluster.state(1).counters.sent).to.deep.include({ prepare: 2, accept: 4, heartbeat: 2, promise: 0 });
    expect(t.cluster.state(2).counters).to.deep.include({ proposed: 0, committed: 5, applied: 5, ballotChanges: 1 });
    expect(t.cluster.state(2).counters.sent).to.deep.include({ promise: 1, accepted: 2 });
    expectNoViolations(t);
  });

  it('(section 2.3) "An acceptor must remember this information even if it fails and then restarts": restarts a node from its durable record alone: promise, votes and chosen log, replayed into the state machine', () => {
    const t = scripted(harborConfig(kvStore));
    elect(t, 1);
    for (let seq = 1; seq <= 3; seq += 1) request(t, 1, { client: 'c', seq, op: { type: 'put', key: 'k', value: seq } });
    t.cluster.deliverAll();
    heartbeat(t, 1);
    const before = t.cluster.state(2);
    t.cluster.crash(2);
    const after = t.cluster.state(2);
    expect(after.leader.role).to.equal('follower');
    expect(after.acceptor.maxBal).to.deep.equal(before.acceptor.maxBal);
    expect(after.learner.commit).to.equal(3);
    expect(after.learner.replica).to.deep.equal(before.learner.replica);
    expectNoViolations(t);
  });

  it('"the value chosen by the ith instance being the ith state machine command in the sequence": answers reads through the log: a get sees every write ordered before it', () => {
    const t: Scripted<KvState, KvOp, KvResult> = scripted(harborConfig(kvStore));
    elect(t, 1);
    request(t, 1, { client: 'w', seq: 1, op: { type: 'put', key: 'k', value: 'v1' } });
    request(t, 1, { client: 'r', seq: 1, op: { type: 'get', key: 'k' } });
    expect(okReplies(t, 'r', 1), 'not before the read is chosen and applied').to.deep.equal([]);
    t.cluster.deliverAll();
    expect(okReplies(t, 'r', 1)).to.deep.equal([{ ok: true, value: 'v1' }]);
    expect(logOf(t, 1)[1]).to.deep.equal({ kind: 'batch', commands: [{ client: 'r', seq: 1, op: { type: 'get', key: 'k' } }] });
    expectNoViolations(t);
  });
});

describe('the Harbor Point example at log level (lib/demo/multipaxos.ts)', () => {
  it('keeps #8841 in slot 812 across the crash, books S12 once, and says so step by step', () => {
    const story = harborPointLog();
    expect(story.violations).to.deep.equal([]);
    expect(story.slot812).to.deep.equal(['harbor-1: reserve S12 for #8841', 'harbor-2: reserve S12 for #8841', 'harbor-3: reserve S12 for #8841']);
    expect(story.holder).to.equal('#8841');
    expect(story.held).to.equal(true);
    expect(story.lines).to.include('harbor-1 -> harbor-3 : promise ballot 42.3 (slot 812: accepted reserve S12 for #8841 in 41.2)');
    expect(story.counters['harbor-3']).to.deep.include({ proposed: 2, quorumAcknowledged: 2, committed: 814, applied: 814 });
    expect(story.lines.filter((l) => l.startsWith('harbor-3 : tells terminal-a'))).to.have.length(2);
  });
});
