/**
 * Experiment 4 (docs/exploring.md): make quorums that do not intersect.
 * Question: Paxos needs every phase-1 quorum to meet every phase-2 quorum. What exactly goes
 * wrong with quorums that can miss each other, and would the library let you build them?
 */
import { expect } from 'chai';
import { paxos } from '../../lib/index';
import { checkSingleDecreeOrThrow } from '../../lib/check/index';
import { A, B, harbor, msg } from './harbor';

describe('explore 4: quorums that do not intersect', () => {
  it('the library refuses them unless asked for explicitly, and says why', () => {
    const refused = paxos.quorumSystem({ acceptors: [1, 2, 3], phase1: 1, phase2: 2 });
    expect(refused).to.deep.equal({
      ok: false,
      error: 'quorums do not intersect: a phase-1 quorum of 1 and a phase-2 quorum of 2 can miss each other among 3 acceptors (need phase1 + phase2 > 3)',
    });
    expect(paxos.quorumSystem({ acceptors: [1, 2, 3], phase1: 2, phase2: 2 }).ok).to.equal(true);
  });

  it('phase-1 quorums of 1: harbor-3 hears only from harbor-3, misses #8841, and slot 812 is chosen twice', () => {
    const h = harbor({ phase1: 1, phase2: 2 });
    h.propose(2, A);
    // harbor-2: one promise (its own acceptor's) is a phase-1 quorum; harbor-1 and harbor-2 accept #8841.
    h.cluster.deliver(msg('prepare', 2, 2));
    h.cluster.deliver(msg('promise', 2, 2));
    h.cluster.deliverAll((m) => m.type === 'accept' && m.from === 2 && m.to !== 3);
    h.cluster.deliverAll(msg('accepted'));
    expect(h.learned()).to.deep.equal([A, A, A]);
    // harbor-3: its own promise is a phase-1 quorum too, and it reports no vote.
    h.propose(3, B);
    h.cluster.deliver(msg('prepare', 3, 3));
    h.cluster.deliver(msg('promise', 3, 3));
    h.cluster.deliverAll((m) => m.type === 'accept' && m.from === 3 && m.to !== 1);
    // Only Agreement sees it: VotesSafe asks for a phase-1 quorum that rules #8841 out, and under
    // these quorums harbor-3's own promise is one. The invariants trust the quorums you give them.
    expect(h.violations.map((v) => v.violation.invariant)).to.deep.equal(['Agreement']);
    const agreement = h.violations.find((v) => v.violation.invariant === 'Agreement')!.violation;
    expect(agreement.description).to.equal('slot 812 chosen twice: #8841 in ballot 41.2 by 1,2 and #8849 in ballot 41.3 by 2,3');
  });

  it('the model checker agrees: 1 and 2 out of 3 can miss each other, 2 and 2 cannot', () => {
    const base = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 } as const;
    const miss = checkSingleDecreeOrThrow({ ...base, phase1: 1, phase2: 2 });
    expect(miss.violations).to.have.length(1);
    expect(miss.violations[0]!.invariants.some((i) => i === 'Agreement' || i === 'VotesSafe')).to.equal(true);
    const meet = checkSingleDecreeOrThrow({ ...base, phase1: 2, phase2: 2 });
    expect([meet.complete, meet.violations.length, meet.sometimes['a value is chosen']?.holds]).to.deep.equal([true, 0, true]);
  });
});
