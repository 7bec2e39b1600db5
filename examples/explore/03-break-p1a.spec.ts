/**
 * Experiment 3 (docs/exploring.md): break P1a, accept below the promise.
 * Question: an acceptor that takes an accept request below the ballot it promised. Which
 * invariant fails, at which event, and how short is the shortest run that shows it?
 */
import { expect } from 'chai';
import { paxos } from '../../lib/index';
import { zooEntry } from '../../lib/check/index';
import { paxosMutant } from '../../lib/zoo/index';
import { A, B, harbor, msg } from './harbor';

/** harbor-2 gets its promises; harbor-3's prepare reaches harbor-1; then harbor-2's accept does. */
function lateAccept(roles?: paxos.Roles<string>) {
  const h = harbor(roles === undefined ? {} : { roles });
  h.propose(2, A);
  h.propose(3, B);
  h.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2) || (m.type === 'promise' && m.to === 2));
  h.cluster.deliver(msg('prepare', 3, 1));
  const before = h.cluster.events.length;
  h.cluster.deliver(msg('accept', 2, 1));
  return { h, before };
}

describe('explore 3: break P1a (an acceptor accepts below its promise)', () => {
  it('the real acceptor refuses the late accept: every invariant holds', () => {
    const { h } = lateAccept();
    expect(h.cluster.sent.filter(msg('rejected', 1, 2))).to.have.length(1);
    expect(h.violations).to.deep.equal([]);
  });

  it("the zoo's acceptor takes it, and PromiseKept fails at that very delivery, naming harbor-1 and both ballots", () => {
    const { h, before } = lateAccept(paxosMutant('acceptor-accepts-below-promise')!.roles<string>());
    const first = h.violations[0];
    expect(first?.violation.invariant).to.equal('PromiseKept');
    expect(first?.violation.nodes).to.deep.equal([1]);
    expect(first?.violation.description).to.equal('acceptor 1 promised ballot 41.3 (reporting no vote) yet accepted #8841 in ballot 41.2, below its promise');
    // The delivery is event `before`; the violation shows with the acceptance it causes.
    expect(first!.event).to.be.greaterThan(before);
    expect(h.cluster.events[before]?.type).to.equal('deliver');
  });

  it('the model checker finds the shortest run that breaks it, and the real acceptor passes the same configuration', () => {
    const entry = zooEntry('acceptor-accepts-below-promise')!;
    const broken = entry.run();
    expect(broken.violations.map((v) => v.invariants)).to.deep.equal([['PromiseKept']]);
    expect(broken.violations[0]!.length, 'actions in the shortest counterexample (breadth-first)').to.equal(6);
    const control = entry.control();
    expect([control.complete, control.violations.length]).to.deep.equal([true, 0]);
  });
});
