/**
 * Experiment 5 (docs/exploring.md): drop the persist before a promise, and crash.
 * Question: "a promise that is not on disk is a lie". What does an acceptor that replies
 * before persisting forget in a crash, and which invariant sees it?
 */
import { expect } from 'chai';
import { paxos } from '../../lib/index';
import { simulate, subjectEntry, contention } from '../../lib/sim/index';
import { paxosMutant } from '../../lib/zoo/index';
import { A, harbor, msg } from './harbor';

/** harbor-1 promises ballot 41.2, crashes before anything else, and comes back. */
function promiseThenCrash(roles?: paxos.Roles<string>) {
  const h = harbor(roles === undefined ? {} : { roles });
  h.propose(2, A);
  h.cluster.deliver(msg('prepare', 2, 1));
  h.cluster.crash(1);
  h.cluster.restart(1);
  return h;
}

describe('explore 5: a promise sent before it was persisted', () => {
  it('the real acceptor persists first: after the crash it still remembers ballot 41.2', () => {
    const h = promiseThenCrash();
    expect(paxos.ballot.format(h.cluster.state(1).acceptor!.promised)).to.equal('41.2');
    expect(h.violations).to.deep.equal([]);
  });

  it("the zoo's acceptor replies first: the crash erases its promise, and PromiseKept says so", () => {
    const h = promiseThenCrash(paxosMutant('promise-not-persisted-before-reply')!.roles<string>());
    expect(paxos.ballot.format(h.cluster.state(1).acceptor!.promised)).to.equal('0.0');
    expect(h.violations.map((v) => v.violation.description)).to.deep.equal(['acceptor 1 promised ballot 41.2 but now remembers only 0.0']);
    // It shows at the crash, not before: without a crash this bug is invisible.
    expect(h.cluster.events[h.violations[0]!.event - 1]?.type).to.equal('crash');
  });

  it('the simulator finds it only when crashes are on', () => {
    const subject = subjectEntry('single-decree')!.build({ nodes: 3, mutant: 'promise-not-persisted-before-reply' });
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const withCrashes = seeds.filter((seed) => simulate(subject, contention(seed)).violations.some((v) => v.invariant === 'PromiseKept'));
    const without = seeds.filter((seed) => simulate(subject, contention(seed, { crashes: false })).violations.length > 0);
    expect(withCrashes.length).to.be.greaterThan(0);
    expect(without).to.deep.equal([]);
  });
});
