/**
 * "Paxos Made Simple", section 2, one test per requirement, each named by its sentence.
 * Scripted interleavings play the paper's scenarios on the real roles; property tests play
 * random interleavings (with loss, duplication, crashes and restarts) and check the paper's
 * claims after every step.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as ballots from '../../lib/paxos/ballot';
import { chosenByVotes, sameValue } from '../../lib/invariants/voting';
import { slotView } from '../../lib/invariants/paxos';
import type { Accept } from '../../lib/paxos/messages';
import { initAcceptor, onAccept } from '../../lib/paxos/acceptor';
import { A, B, apply, cluster, learned, msg, ops, phase1, settle, snapshot, violations } from '../helpers/paxos';
import type { PaxosCluster } from '../helpers/paxos';

const b = ballots.of;

/** Runs a random schedule, checking every invariant after every step; then settles. */
function runSchedule(schedule: Parameters<typeof apply>[1][], faults: boolean): PaxosCluster {
  const c = cluster();
  c.request(2, A);
  c.request(3, B);
  for (const op of schedule) {
    apply(c, op);
    expect(violations(c), JSON.stringify(op)).to.deep.equal([]);
  }
  settle(c);
  expect(violations(c)).to.deep.equal([]);
  if (!faults) expect(learned(c)).to.have.length(3);
  return c;
}

describe('Paxos Made Simple, section 2', () => {
  describe('2.1 The Problem', () => {
    it('"Only a value that has been proposed may be chosen"', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const c = runSchedule(schedule, true);
        for (const chosen of chosenByVotes(slotView(snapshot(c)))) expect(c.requests).to.include(chosen.value);
      }), { numRuns: 150 });
    });

    it('"Only a single value is chosen"', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const c = runSchedule(schedule, true);
        const values = new Set(chosenByVotes(slotView(snapshot(c))).map((x) => x.value));
        expect(values.size).to.be.at.most(1);
        expect(new Set(learned(c)).size).to.be.at.most(1);
      }), { numRuns: 150 });
    });

    it('"A process never learns that a value has been chosen unless it actually has been"', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const c = runSchedule(schedule, true);
        const chosen = chosenByVotes(slotView(snapshot(c))).map((x) => x.value);
        for (const value of learned(c)) expect(chosen).to.include(value);
      }), { numRuns: 100 });
    });

    it('without faults, something is chosen and every learner learns it (the checks are not vacuous)', () => {
      fc.assert(fc.property(ops([1, 2, 3], false), (schedule) => {
        const c = runSchedule(schedule, false);
        expect(learned(c)).to.have.length(3);
      }), { numRuns: 100 });
    });
  });

  describe('2.2 Choosing a Value', () => {
    it('P1. "An acceptor must accept the first proposal that it receives."', () => {
      const first: Accept<string> = { type: 'accept', from: 2, to: 1, slot: 812, ballot: b(1, 2), value: A };
      const step = onAccept(initAcceptor<string>(1, [1, 2, 3]), first);
      expect(step.state.accepted).to.deep.equal({ ballot: b(1, 2), value: A });
    });

    it('"A value is chosen when a single proposal with that value has been accepted by a majority of the acceptors."', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.deliverAll(msg('accepted', 1));
      expect(learned(c)).to.deep.equal([]);
      c.deliver(msg('accept', 2, 3));
      c.deliverAll(msg('accepted', 3));
      expect(learned(c)).to.deep.equal([A, A, A]);
      expect(chosenByVotes(slotView(snapshot(c)))).to.deep.equal([{ ballot: b(41, 2), value: A, voters: [1, 3] }]);
    });

    it('P2. "If a proposal with value v is chosen, then every higher-numbered proposal that is chosen has value v."', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.deliver(msg('accept', 2, 2));
      c.drop(() => true);
      // Proposer 3 runs a higher ballot through every acceptor: it too chooses A.
      c.request(3, B);
      c.deliverAll();
      const chosen = chosenByVotes(slotView(snapshot(c)));
      expect(chosen.map((x) => [ballots.format(x.ballot), x.value])).to.deep.equal([['41.2', A], ['41.3', A]]);
    });

    it('P2a. "If a proposal with value v is chosen, then every higher-numbered proposal accepted by any acceptor has value v."', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const view = slotView(snapshot(runSchedule(schedule, true)));
        for (const chosen of chosenByVotes(view)) {
          for (const vote of view.votes.filter((v) => ballots.less(chosen.ballot, v.ballot))) {
            expect(sameValue(vote.value, chosen.value)).to.equal(true);
          }
        }
      }), { numRuns: 100 });
    });

    it('P2b. "If a proposal with value v is chosen, then every higher-numbered proposal issued by any proposer has value v."', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const view = slotView(snapshot(runSchedule(schedule, true)));
        for (const chosen of chosenByVotes(view)) {
          for (const issued of view.accepts.filter((a) => ballots.less(chosen.ballot, a.ballot))) {
            expect(issued.value).to.equal(chosen.value);
          }
        }
      }), { numRuns: 100 });
    });

    it('P2c. "... there is a set S consisting of a majority of acceptors such that either (a) no acceptor in S has accepted any proposal numbered less than n, or (b) v is the value of the highest-numbered proposal among all proposals numbered less than n accepted by the acceptors in S."', () => {
      fc.assert(fc.property(ops([1, 2, 3], true), (schedule) => {
        const c = runSchedule(schedule, true);
        const view = slotView(snapshot(c));
        for (const issued of view.accepts) {
          const promises = view.promises.filter((p) => ballots.equals(p.ballot, issued.ballot));
          // S: the majority whose promises the proposer counted (any majority of them works).
          const majorities = subsets(promises, c.protocol.nodes.length === 3 ? 2 : 3);
          const holds = majorities.some((S) => {
            const votes = S.flatMap((p) => (p.accepted === null ? [] : [p.accepted]));
            if (votes.length === 0) return true;
            const highest = votes.reduce((hi, v) => (ballots.less(hi.ballot, v.ballot) ? v : hi));
            return highest.value === issued.value;
          });
          expect(holds, `accept ${ballots.format(issued.ballot)} = ${issued.value}`).to.equal(true);
        }
      }), { numRuns: 100 });
    });

    it('"... a proposer that wants to issue a proposal numbered n must learn the highest-numbered proposal with number less than n ... accepted" (the later proposer adopts the accepted value)', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.drop(() => true);
      // Only acceptor 1 accepted A. Proposer 3's prepare reaches 1 and 3: 1 reports A.
      c.request(3, B);
      c.deliver(msg('prepare', 3, 1));
      c.deliver(msg('prepare', 3, 3));
      c.drop(msg('prepare'));
      c.deliverAll(msg('promise'));
      const proposer3 = c.state(3).proposer;
      expect(proposer3?.phase).to.equal('accepting');
      expect(proposer3?.proposal).to.equal(A);
      expect(c.inFlight.filter(msg('accept', 3)).map((m) => (m.type === 'accept' ? m.value : ''))).to.deep.equal([A, A, A]);
      c.deliverAll();
      expect(learned(c)).to.deep.equal([A, A, A]);
    });

    it('Phase 2(a): "... or is any value if the responses reported no proposals" (the proposer then uses its own)', () => {
      const c = cluster();
      phase1(c);
      c.drop(() => true);
      c.request(3, B);
      c.deliverAll();
      expect(learned(c)).to.deep.equal([B, B, B]);
    });

    it('P1a. "An acceptor can accept a proposal numbered n iff it has not responded to a prepare request having a number greater than n."', () => {
      const c = cluster();
      phase1(c);
      c.request(3, B);
      c.deliver(msg('prepare', 3, 1));
      c.deliver(msg('accept', 2, 1));
      expect(c.state(1).acceptor?.accepted).to.equal(null);
      expect(c.inFlight.filter(msg('rejected', 1, 2))).to.have.length(1);
      c.deliver(msg('accept', 2, 2));
      expect(c.state(2).acceptor?.accepted).to.deep.equal({ ballot: b(41, 2), value: A });
    });

    it('Phase 1(b): "... it responds to the request with a promise not to accept any more proposals numbered less than n and with the highest-numbered proposal (if any) that it has accepted."', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.request(3, B);
      c.deliver(msg('prepare', 3, 1));
      const promise = c.inFlight.find(msg('promise', 1, 3));
      expect(promise).to.deep.include({ ballot: b(41, 3), accepted: { ballot: b(41, 2), value: A } });
    });

    it('"An acceptor needs to remember only the highest-numbered proposal that it has ever accepted and the number of the highest-numbered prepare request to which it has responded ... even if it fails and is then restarted."', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.request(3, B);
      c.deliver(msg('prepare', 3, 1));
      c.crash(1);
      c.restart(1);
      expect(c.state(1).acceptor).to.deep.include({ promised: b(41, 3), accepted: { ballot: b(41, 2), value: A } });
      c.deliver(msg('accept', 2, 2));
      c.deliver(msg('accept', 2, 3));
      expect(c.state(3).acceptor?.accepted?.value).to.equal(A);
    });

    it('"... a proposer ... should then abandon its proposal" when an acceptor reports a higher-numbered prepare', () => {
      const c = cluster();
      phase1(c);
      c.request(3, B);
      c.deliverAll(msg('prepare', 3));
      c.deliverAll(msg('accept', 2));
      c.deliverAll(msg('rejected'));
      expect(c.state(2).proposer?.phase).to.equal('idle');
      expect(c.state(2).proposer?.highest).to.deep.equal(b(41, 3));
      c.timeout(2);
      expect(c.state(2).proposer?.ballot).to.deep.equal(b(42, 2));
    });

    it('"Different proposers choose their numbers from disjoint sets of numbers" and each "must remember ... the highest-numbered proposal it has tried to issue"', () => {
      const c = cluster();
      c.request(2, A);
      c.request(3, B);
      expect(c.state(2).proposer?.ballot).to.not.deep.equal(c.state(3).proposer?.ballot);
      c.crash(2);
      c.restart(2);
      c.request(2, A);
      expect(ballots.less(b(41, 2), c.state(2).proposer!.ballot)).to.equal(true);
    });
  });

  describe('2.3 Learning a Chosen Value', () => {
    it('"... a learner must find out that a proposal has been accepted by a majority of acceptors" (in one ballot)', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.deliverAll(msg('accepted', 1, 1));
      expect(c.state(1).learner?.chosen).to.equal(null);
      c.deliver(msg('accept', 2, 2));
      c.deliverAll(msg('accepted', 2, 1));
      expect(c.state(1).learner?.chosen).to.deep.equal({ ballot: b(41, 2), value: A });
    });

    it('"Because of message loss, a value could be chosen with no learner ever finding out", until a proposer issues a new proposal', () => {
      const c = cluster();
      phase1(c);
      c.deliver(msg('accept', 2, 1));
      c.deliver(msg('accept', 2, 2));
      c.drop(() => true);
      expect(chosenByVotes(slotView(snapshot(c)))).to.have.length(1);
      expect(learned(c)).to.deep.equal([]);
      c.timeout(2);
      c.deliverAll();
      expect(learned(c)).to.deep.equal([A, A, A]);
    });
  });

  describe('2.4 Progress', () => {
    it('"... two proposers each keep issuing a sequence of proposals with increasing numbers, none of which are ever chosen"', () => {
      const c = cluster();
      c.request(2, A);
      c.deliverAll(msg('prepare', 2));
      c.deliverAll(msg('promise', undefined, 2));
      for (let round = 0; round < 5; round += 1) {
        for (const [me, other] of [[3, 2], [2, 3]] as const) {
          if (c.state(me).proposer?.value === null) c.request(me, me === 2 ? A : B);
          else c.timeout(me);
          c.deliverAll(msg('prepare', me));
          c.deliverAll(msg('promise', undefined, me));
          c.deliverAll(msg('accept', other));
          c.deliverAll(msg('rejected', undefined, other));
        }
      }
      expect(chosenByVotes(slotView(snapshot(c)))).to.deep.equal([]);
      expect(c.state(2).proposer!.ballot.round).to.be.greaterThan(45);
    });

    it('"If the distinguished proposer can communicate successfully with a majority of acceptors ... then it will succeed"', () => {
      const c = cluster();
      c.request(2, A);
      c.request(3, B);
      c.deliverAll(msg('prepare'));
      c.drop(() => true);
      c.crash(1);
      c.timeout(2);
      c.deliverAll();
      expect(learned(c)).to.have.length(2);
      expect(violations(c)).to.deep.equal([]);
    });
  });
});

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((x, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [x, ...rest]));
}
