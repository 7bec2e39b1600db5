/**
 * Experiment 1 (docs/exploring.md): drive one acceptor by hand.
 * Question: what does an acceptor do with each message, and what does it write to disk first?
 */
import { expect } from 'chai';
import { paxos } from '../../lib/index';

const { ballot } = paxos;
type Step = paxos.AcceptorStep<string>;

/** An effect as a short word: what the driver must do, in order. */
const show = (step: Step): string[] =>
  step.effects.map((e) => (e.type === 'send' ? `send ${e.message.type} to ${e.message.to}` : e.type));

describe('explore 1: one acceptor, driven by hand', () => {
  const harbor1 = paxos.initAcceptor<string>(1, [1, 2, 3]);
  const prepare = (from: number, b: paxos.Ballot): paxos.Prepare => ({ type: 'prepare', from, to: 1, slot: 812, ballot: b });
  const accept = (from: number, b: paxos.Ballot, value: string): paxos.Accept<string> => ({ type: 'accept', from, to: 1, slot: 812, ballot: b, value });

  it('a prepare above every promise earns a promise, persisted before it is sent', () => {
    const step = paxos.onPrepare(harbor1, prepare(2, ballot.of(41, 2)));
    expect(show(step)).to.deep.equal(['persist', 'send promise to 2']);
    expect(ballot.format(step.state.promised)).to.equal('41.2');
  });

  it('a prepare below the promise is rejected, and the rejection names the higher promise', () => {
    const promised = paxos.onPrepare(harbor1, prepare(3, ballot.of(41, 3))).state;
    const step = paxos.onPrepare(promised, prepare(2, ballot.of(41, 2)));
    expect(show(step)).to.deep.equal(['send rejected to 2']);
    const rejected = step.effects[0];
    expect(rejected?.type === 'send' && rejected.message.type === 'rejected' ? ballot.format(rejected.message.promised) : null).to.equal('41.3');
    expect(step.state).to.equal(promised);
  });

  it('an accept at the promised ballot is a vote: persisted, then reported to the proposer and every learner', () => {
    const promised = paxos.onPrepare(harbor1, prepare(2, ballot.of(41, 2))).state;
    const step = paxos.onAccept(promised, accept(2, ballot.of(41, 2), '#8841'));
    expect(show(step)).to.deep.equal(['persist', 'send accepted to 2', 'send accepted to 1', 'send accepted to 3']);
    expect(step.state.accepted?.value).to.equal('#8841');
  });

  it('the next promise reports that vote: this is what lets a later proposer find #8841 (P2c)', () => {
    const voted = paxos.onAccept(paxos.onPrepare(harbor1, prepare(2, ballot.of(41, 2))).state, accept(2, ballot.of(41, 2), '#8841')).state;
    const step = paxos.onPrepare(voted, prepare(3, ballot.of(41, 3)));
    const promise = step.effects.find((e) => e.type === 'send');
    expect(promise?.type === 'send' && promise.message.type === 'promise' ? promise.message.accepted : null).to.deep.equal({ ballot: ballot.of(41, 2), value: '#8841' });
  });

  it('an accept below the promise is refused (P1a), and nothing is written', () => {
    const promised = paxos.onPrepare(harbor1, prepare(3, ballot.of(41, 3))).state;
    const step = paxos.onAccept(promised, accept(2, ballot.of(41, 2), '#8841'));
    expect(show(step)).to.deep.equal(['send rejected to 2']);
    expect(step.state.accepted).to.equal(null);
  });
});
