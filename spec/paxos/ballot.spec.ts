import { expect } from 'chai';
import fc from 'fast-check';
import * as ballots from '../../lib/paxos/ballot';

const ballot = fc.record({ round: fc.nat(1000), node: fc.integer({ min: 1, max: 9 }) });

describe('lib/paxos/ballot', () => {
  it('orders by round first, then by node', () => {
    expect(ballots.less(ballots.of(41, 3), ballots.of(42, 1))).to.equal(true);
    expect(ballots.less(ballots.of(41, 2), ballots.of(41, 3))).to.equal(true);
    expect(ballots.compare(ballots.of(41, 2), ballots.of(41, 2))).to.equal(0);
    expect(ballots.format(ballots.of(41, 2))).to.equal('41.2');
  });

  it('is a total order: antisymmetric, transitive, total', () => {
    fc.assert(
      fc.property(ballot, ballot, ballot, (a, b, c) => {
        const ab = Math.sign(ballots.compare(a, b));
        expect(Math.sign(ballots.compare(b, a))).to.equal(-ab || 0);
        expect(ab === 0).to.equal(ballots.equals(a, b));
        if (ballots.less(a, b) && ballots.less(b, c)) expect(ballots.less(a, c)).to.equal(true);
      }),
    );
  });

  it('gives each node a next ballot above anything it has seen, and never one another node can issue', () => {
    fc.assert(
      fc.property(ballot, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (seen, n1, n2) => {
        const a = ballots.next(seen, n1);
        const b = ballots.next(seen, n2);
        expect(ballots.less(seen, a)).to.equal(true);
        expect(ballots.equals(a, b)).to.equal(n1 === n2);
        expect(ballots.max(seen, a)).to.deep.equal(a);
        expect(ballots.max(a, seen)).to.deep.equal(a);
      }),
    );
  });

  it('refuses to make a ballot for node 0 or a fractional node', () => {
    expect(() => ballots.next(ballots.ZERO, 0)).to.throw(/node id >= 1/);
    expect(() => ballots.next(ballots.ZERO, 1.5)).to.throw(/node id >= 1/);
  });
});
