import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import { initAcceptor, onAccept, onPrepare, receiveAcceptor, recoverAcceptor, record } from '../../lib/paxos/acceptor';
import type { Accept, Prepare } from '../../lib/paxos/messages';

const prepare = (round: number, node: number): Prepare => ({ type: 'prepare', from: node, to: 1, slot: 812, ballot: ballots.of(round, node) });
const accept = (round: number, node: number, value: string): Accept<string> => ({
  type: 'accept', from: node, to: 1, slot: 812, ballot: ballots.of(round, node), value,
});

describe('lib/paxos/acceptor', () => {
  const fresh = initAcceptor<string>(1, [1, 2, 3]);

  it('promises a higher ballot: persists the promise first, then replies with its last vote', () => {
    const step = onPrepare(fresh, prepare(41, 2));
    expect(step.state.promised).to.deep.equal(ballots.of(41, 2));
    expect(step.effects.map((e) => e.type)).to.deep.equal(['persist', 'send']);
    expect(step.effects[0]).to.deep.equal({ type: 'persist', role: 'acceptor', record: { promised: ballots.of(41, 2), accepted: null } });
    expect(step.effects[1]).to.deep.equal({
      type: 'send',
      message: { type: 'promise', from: 1, to: 2, slot: 812, ballot: ballots.of(41, 2), accepted: null },
    });
  });

  it('rejects a lower prepare with the ballot it has promised, and ignores a duplicate', () => {
    const promised = onPrepare(fresh, prepare(41, 3)).state;
    const lower = onPrepare(promised, prepare(41, 2));
    expect(lower.state).to.equal(promised);
    expect(lower.effects).to.deep.equal([{
      type: 'send',
      message: { type: 'rejected', from: 1, to: 2, slot: 812, ballot: ballots.of(41, 2), promised: ballots.of(41, 3) },
    }]);
    const again = onPrepare(promised, prepare(41, 3));
    expect(again.effects).to.deep.equal([]);
    expect(again.ignored).to.equal('duplicate prepare for ballot 41.3');
  });

  it('accepts at its promised ballot or above, persists, and tells the proposer and every learner once', () => {
    const promised = onPrepare(fresh, prepare(41, 2)).state;
    const step = onAccept(promised, accept(41, 2, '#8841'));
    expect(step.state.accepted).to.deep.equal({ ballot: ballots.of(41, 2), value: '#8841' });
    expect(step.effects[0]?.type).to.equal('persist');
    const to = step.effects.flatMap((e) => (e.type === 'send' ? [e.message.to] : []));
    expect(to).to.deep.equal([2, 1, 3]);
    const higher = onAccept(step.state, accept(42, 3, '#8849'));
    expect(higher.state.promised).to.deep.equal(ballots.of(42, 3));
    expect(higher.state.accepted?.value).to.equal('#8849');
  });

  it('rejects an accept below its promise', () => {
    const promised = onPrepare(fresh, prepare(42, 3)).state;
    const step = onAccept(promised, accept(41, 2, '#8841'));
    expect(step.state).to.equal(promised);
    expect(step.effects).to.have.length(1);
    expect(step.effects[0]).to.deep.include({ type: 'send' });
  });

  it('recovers exactly what it persisted', () => {
    const s = onAccept(onPrepare(fresh, prepare(41, 2)).state, accept(41, 2, '#8841')).state;
    expect(recoverAcceptor(1, [1, 2, 3], record(s))).to.deep.equal(s);
    expect(recoverAcceptor(1, [1, 2, 3], undefined)).to.deep.equal(fresh);
  });

  it('dispatches prepares and accepts, and ignores the messages of other roles', () => {
    expect(receiveAcceptor(fresh, prepare(41, 2)).state.promised).to.deep.equal(ballots.of(41, 2));
    expect(receiveAcceptor(fresh, accept(41, 2, 'x')).state.accepted?.value).to.equal('x');
    for (const type of ['promise', 'accepted', 'rejected'] as const) {
      const m = { type, from: 2, to: 1, slot: 812, ballot: ballots.of(1, 2), accepted: null, value: 'x', promised: ballots.ZERO };
      expect(receiveAcceptor(fresh, m).ignored).to.equal(`an acceptor does not handle ${type} messages`);
    }
  });
});
