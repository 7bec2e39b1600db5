/**
 * Experiment 11 (docs/exploring.md): a stale proposer is fenced.
 * Question: harbor-2 won phase 1 in ballot 41.2, then was cut off while harbor-3 prepared
 * 41.3. When harbor-2 comes back and sends its accepts, who stops it, and how does it learn
 * that it was overtaken?
 */
import { expect } from 'chai';
import { paxos } from '../../lib/index';
import { A, B, harbor, msg } from './harbor';

describe('explore 11: a stale proposer is fenced by a newer ballot', () => {
  function overtaken() {
    const h = harbor();
    h.propose(2, A);
    h.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2) || (m.type === 'promise' && m.to === 2));
    // harbor-2's accepts wait in the network while harbor-3 prepares 41.3 at harbor-1 and harbor-3.
    h.propose(3, B);
    h.cluster.deliver(msg('prepare', 3, 1));
    h.cluster.deliver(msg('prepare', 3, 3));
    h.cluster.deliverAll(msg('accept', 2));
    return h;
  }

  it('the acceptors that promised 41.3 refuse the accepts of 41.2, and say which ballot they promised', () => {
    const h = overtaken();
    const refusals = h.cluster.sent.filter((m): m is paxos.Rejected => m.type === 'rejected' && m.to === 2);
    expect(refusals.map((m) => [m.from, paxos.ballot.format(m.ballot), paxos.ballot.format(m.promised)])).to.deep.equal([
      [1, '41.2', '41.3'],
      [3, '41.2', '41.3'],
    ]);
  });

  it('harbor-2 abandons its ballot on the refusal and remembers 41.3, so its next try is above it', () => {
    const h = overtaken();
    h.cluster.deliverAll(msg('rejected', undefined, 2));
    const proposer = h.cluster.state(2).proposer!;
    expect(proposer.phase).to.equal('idle');
    expect(paxos.ballot.format(proposer.highest)).to.equal('41.3');
    h.cluster.timeout(2);
    const retry = h.cluster.inFlight.find(msg('prepare', 2));
    expect(retry === undefined ? null : paxos.ballot.format((retry as paxos.Prepare).ballot)).to.equal('42.2');
  });

  it('nothing is chosen in 41.2 (one vote, harbor-2 its own); harbor-3 finishes 41.3 and one booking holds', () => {
    const h = overtaken();
    h.cluster.deliverAll((m) => m.from !== 2 && m.to !== 2 && m.type !== 'rejected');
    const learned = h.learned();
    expect(learned[0]).to.not.equal(null);
    expect([learned[0], learned[2]]).to.deep.equal([B, B]);
    expect(h.cluster.state(1).learner!.chosen!.ballot).to.deep.equal(paxos.ballot.of(41, 3));
    expect(h.violations).to.deep.equal([]);
  });
});
