import { expect } from 'chai';
import { Random } from '../../lib/core/random';
import { cluster, msg, A } from '../helpers/paxos';

describe('lib/harness/cluster', () => {
  it('loses messages to a node that is down, and refuses to restart a node that is up', () => {
    const c = cluster();
    c.request(2, A);
    c.crash(1);
    const step = c.deliver(msg('prepare', 2, 1));
    expect(step.ignored).to.equal('node 1 is down');
    expect(c.events.at(-1)).to.deep.include({ type: 'drop' });
    expect(() => c.restart(2)).to.throw('node 2 is not down');
    expect(() => c.state(9)).to.throw('no node 9');
    expect(() => c.deliver(msg('accept'))).to.throw('no in-flight message matches');
  });

  it('writes a step\'s persists before its sends leave', () => {
    const c = cluster();
    c.request(2, A);
    expect(c.durable.get(2)).to.deep.equal({ proposer: { ballot: { round: 41, node: 2 } } });
    c.deliver(msg('prepare', 2, 1));
    expect(c.durable.get(1)).to.deep.equal({ acceptor: { promised: { round: 41, node: 2 }, accepted: null } });
  });

  it('stops a runaway delivery loop', () => {
    const c = cluster();
    c.request(2, A);
    expect(() => c.deliverAll(() => true, 2)).to.throw('still delivering after 2 messages');
  });
});

describe('lib/harness/random', () => {
  it('replays the same sequence from the same seed, and stays in range', () => {
    const a = new Random(42);
    const b = new Random(42);
    const xs = Array.from({ length: 100 }, () => a.between(3, 7));
    expect(xs).to.deep.equal(Array.from({ length: 100 }, () => b.between(3, 7)));
    expect(Math.min(...xs)).to.equal(3);
    expect(Math.max(...xs)).to.equal(7);
    expect(new Random(1).next()).to.not.equal(new Random(2).next());
    expect(() => new Random(1).pick([])).to.throw('cannot pick from an empty list');
    const r = new Random(9);
    const heads = Array.from({ length: 1000 }, () => r.chance(0.3)).filter(Boolean).length;
    expect(heads).to.be.within(240, 360);
  });
});
