/**
 * Experiment 2 (docs/exploring.md): script the slot-812 race.
 * Question: terminal A asks harbor-2 for #8841 and terminal B asks harbor-3 for #8849 at the
 * same time. Can the order of deliveries make slot 812 hold both? Which orders give which booking?
 */
import { expect } from 'chai';
import { paxos, Random } from '../../lib/index';
import { A, B, harbor, msg } from './harbor';

describe('explore 2: the slot-812 race, scripted', () => {
  it('harbor-2 finishes first: #8841 is chosen, and harbor-3 finds it in a promise and proposes it, not #8849', () => {
    const h = harbor();
    h.propose(2, A);
    h.cluster.deliverAll();
    expect(h.learned()).to.deep.equal([A, A, A]);
    h.propose(3, B);
    h.cluster.deliverAll();
    const accepts = h.cluster.sent.filter((m): m is paxos.Accept<string> => m.type === 'accept' && m.from === 3);
    expect(accepts.map((m) => m.value)).to.deep.equal([A, A, A]);
    expect(h.learned()).to.deep.equal([A, A, A]);
    expect(h.violations).to.deep.equal([]);
  });

  it("harbor-3's prepare overtakes harbor-2's accepts: those are refused, and #8849 is chosen", () => {
    const h = harbor();
    h.propose(2, A);
    h.propose(3, B);
    h.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2) || (m.type === 'promise' && m.to === 2));
    // harbor-2 has its quorum of promises and has sent its accepts; harbor-3's prepare gets there first.
    h.cluster.deliver(msg('prepare', 3, 1));
    h.cluster.deliver(msg('prepare', 3, 3));
    h.cluster.deliverAll(msg('accept', 2));
    const refusals = h.cluster.sent.filter((m) => m.type === 'rejected' && m.to === 2).map((m) => m.from);
    expect(refusals).to.deep.equal([1, 3]);
    h.cluster.deliverAll();
    expect(h.learned()).to.deep.equal([B, B, B]);
    expect(h.violations).to.deep.equal([]);
  });

  it('whatever the order (40 seeded shuffles of every delivery), never two bookings; the order decides which', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed += 1) {
      const h = harbor();
      h.propose(2, A);
      h.propose(3, B);
      const random = new Random(seed);
      while (h.cluster.inFlight.length > 0) {
        const pick = h.cluster.inFlight[random.below(h.cluster.inFlight.length)]!;
        h.cluster.deliver((m) => m === pick);
      }
      const learned = h.learned().filter((v) => v !== null);
      expect(new Set(learned).size, `seed ${seed}`).to.be.at.most(1);
      expect(h.violations, `seed ${seed}`).to.deep.equal([]);
      outcomes.add(learned[0] ?? 'nothing (both ballots were refused somewhere, and no timer fired)');
    }
    expect([...outcomes].sort()).to.include.members([A, B]);
  });
});
