import { expect } from 'chai';
import fc from 'fast-check';
import { intersects, isAcceptor, majorities, majority, quorumSystem, quorumSystemOrThrow } from '../../lib/paxos/quorum';

describe('lib/paxos/quorum', () => {
  it('uses majorities by default: 2 of 3, 3 of 5, 3 of 4', () => {
    expect(majority(3)).to.equal(2);
    expect(majority(4)).to.equal(3);
    expect(majority(5)).to.equal(3);
    expect(majorities(3)).to.deep.equal({ acceptors: [1, 2, 3], phase1: 2, phase2: 2 });
  });

  it('accepts flexible quorums that intersect (phase1 + phase2 > n)', () => {
    const r = quorumSystem({ acceptors: [1, 2, 3, 4, 5], phase1: 4, phase2: 2 });
    expect(r.ok).to.equal(true);
    if (r.ok) expect(intersects(r.quorums)).to.equal(true);
  });

  it('refuses quorums that can miss each other, with a clear error', () => {
    const r = quorumSystem({ acceptors: [1, 2, 3], phase1: 1, phase2: 2 });
    expect(r).to.deep.equal({
      ok: false,
      error: 'quorums do not intersect: a phase-1 quorum of 1 and a phase-2 quorum of 2 can miss each other among 3 acceptors (need phase1 + phase2 > 3)',
    });
    expect(() => quorumSystemOrThrow({ acceptors: [1, 2, 3], phase1: 1, phase2: 2 })).to.throw(/do not intersect/);
  });

  it('builds a non-intersecting system only when asked to, for experiments', () => {
    const r = quorumSystem({ acceptors: [1, 2, 3], phase1: 1, phase2: 2, allowNonIntersecting: true });
    expect(r.ok).to.equal(true);
    if (r.ok) expect(intersects(r.quorums)).to.equal(false);
  });

  it('refuses empty, repeated and out-of-range configurations', () => {
    expect(quorumSystem({ acceptors: [] })).to.deep.equal({ ok: false, error: 'a quorum system needs at least one acceptor' });
    expect(quorumSystem({ acceptors: [1, 1, 2] })).to.deep.include({ ok: false });
    expect(quorumSystem({ acceptors: [1, 2, 3], phase1: 4 })).to.deep.equal({
      ok: false,
      error: 'phase-1 quorum size must be a whole number from 1 to 3, got 4',
    });
    expect(quorumSystem({ acceptors: [1, 2, 3], phase2: 0.5 })).to.deep.include({ ok: false });
  });

  it('intersects exactly when any phase-1 set and any phase-2 set of those sizes share an acceptor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.nat(), fc.nat(), (n, a, b) => {
        const phase1 = (a % n) + 1;
        const phase2 = (b % n) + 1;
        const r = quorumSystem({ acceptors: Array.from({ length: n }, (_, i) => i + 1), phase1, phase2, allowNonIntersecting: true });
        if (!r.ok) throw new Error(r.error);
        // The two quorums most likely to miss: the first phase1 acceptors and the last phase2.
        const q1 = r.quorums.acceptors.slice(0, phase1);
        const q2 = r.quorums.acceptors.slice(n - phase2);
        expect(intersects(r.quorums)).to.equal(q1.some((x) => q2.includes(x)));
      }),
    );
  });

  it('knows its acceptors', () => {
    expect(isAcceptor(majorities(3), 2)).to.equal(true);
    expect(isAcceptor(majorities(3), 4)).to.equal(false);
  });
});
