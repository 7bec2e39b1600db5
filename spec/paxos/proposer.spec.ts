import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import type { Message } from '../../lib/paxos/messages';
import { chooseValue, initProposer, onAccepted, onPromise, onRejected, propose, receiveProposer, recoverProposer, timeout } from '../../lib/paxos/proposer';
import type { ProposerState } from '../../lib/paxos/proposer';
import { majorities } from '../../lib/paxos/quorum';

const q = majorities(3);
const b = ballots.of;
const promise = (from: number, ballot = b(1, 2), accepted: { ballot: ballots.Ballot; value: string } | null = null) =>
  ({ type: 'promise', from, to: 2, slot: 812, ballot, accepted }) as const;
const acceptedMsg = (from: number, ballot = b(1, 2), value = 'A') => ({ type: 'accepted', from, to: 2, slot: 812, ballot, value }) as const;

function preparing(): ProposerState<string> {
  return propose(initProposer<string>(2, 812, q), 'A').state;
}

describe('lib/paxos/proposer', () => {
  it('on a client value: records the stage, persists its new ballot, then sends prepares to every acceptor', () => {
    const step = propose(initProposer<string>(2, 812, q), 'A');
    expect(step.state.phase).to.equal('preparing');
    expect(step.state.ballot).to.deep.equal(b(1, 2));
    expect(step.effects.map((e) => e.type)).to.deep.equal(['stage', 'persist', 'send', 'send', 'send']);
    expect(step.effects[1]).to.deep.equal({ type: 'persist', role: 'proposer', record: { ballot: b(1, 2) } });
    expect(propose(step.state, 'B').ignored).to.equal('this proposer already has a value to propose');
  });

  it('moves to phase 2 after a phase-1 quorum of promises, counting each acceptor once', () => {
    let s = preparing();
    s = onPromise(s, promise(1)).state;
    const dup = onPromise(s, promise(1));
    expect(dup.ignored).to.equal('duplicate promise from 1 for ballot 1.2');
    const step = onPromise(s, promise(3));
    expect(step.state.phase).to.equal('accepting');
    expect(step.state.proposal).to.equal('A');
    expect(step.effects.filter((e) => e.type === 'send')).to.have.length(3);
  });

  it('ignores promises for another ballot, another slot, from non-acceptors, or after phase 1', () => {
    const s = preparing();
    expect(onPromise(s, promise(1, b(9, 9))).ignored).to.equal('stale promise for ballot 9.9, current is 1.2');
    expect(onPromise(s, { ...promise(1), slot: 7 }).ignored).to.equal('promise for slot 7, this proposer runs slot 812');
    expect(onPromise(s, promise(8)).ignored).to.equal('promise from 8, which is not an acceptor');
    const accepting = onPromise(onPromise(s, promise(1)).state, promise(2)).state;
    expect(onPromise(accepting, promise(3)).ignored).to.equal('late promise: the proposer is accepting, no longer preparing');
  });

  it('is acknowledged after a phase-2 quorum of acceptances, each acceptor once', () => {
    let s = onPromise(onPromise(preparing(), promise(1)).state, promise(2)).state;
    s = onAccepted(s, acceptedMsg(1)).state;
    expect(onAccepted(s, acceptedMsg(1)).ignored).to.equal('duplicate accepted from 1 for ballot 1.2');
    const step = onAccepted(s, acceptedMsg(3));
    expect(step.state.phase).to.equal('acknowledged');
    expect(step.effects).to.deep.equal([{ type: 'stage', stage: 'quorum-acknowledged', slot: 812, ballot: b(1, 2), value: 'A' }]);
    expect(timeout(step.state).ignored).to.equal('proposal already acknowledged by a quorum');
  });

  it('abandons its ballot on a rejection and retries above the promised ballot on timeout', () => {
    const s = preparing();
    const rejected = { type: 'rejected', from: 1, to: 2, slot: 812, ballot: b(1, 2), promised: b(5, 3) } as const;
    const idle = onRejected(s, rejected).state;
    expect(idle.phase).to.equal('idle');
    expect(onRejected(idle, rejected).ignored).to.equal('stale rejection of ballot 1.2');
    const retry = timeout(idle);
    expect(retry.state.ballot).to.deep.equal(b(6, 2));
    expect(timeout(initProposer<string>(2, 812, q)).ignored).to.equal('no value to propose');
  });

  it('chooses the value of the highest-numbered accepted proposal, else its own', () => {
    expect(chooseValue([{ from: 1, accepted: null }, { from: 2, accepted: null }], 'own')).to.equal('own');
    expect(chooseValue([
      { from: 1, accepted: { ballot: b(3, 1), value: 'low' } },
      { from: 2, accepted: { ballot: b(4, 3), value: 'high' } },
      { from: 3, accepted: { ballot: b(4, 1), value: 'middle' } },
    ], 'own')).to.equal('high');
  });

  it('after a restart, forgets its value but never reuses a ballot it persisted', () => {
    const s = recoverProposer<string>(2, 812, q, { ballot: b(7, 2) });
    expect(s.value).to.equal(null);
    expect(propose(s, 'A').state.ballot).to.deep.equal(b(8, 2));
    expect(recoverProposer<string>(2, 812, q, undefined)).to.deep.equal(initProposer(2, 812, q));
  });

  it('dispatches replies and ignores requests meant for acceptors', () => {
    const s = preparing();
    expect(receiveProposer(s, promise(1)).state.promises).to.have.length(1);
    expect(receiveProposer(s, acceptedMsg(1)).ignored).to.equal('late accepted: the proposer is preparing, no longer accepting');
    const prepare: Message<string> = { type: 'prepare', from: 3, to: 2, slot: 812, ballot: b(1, 3) };
    expect(receiveProposer(s, prepare).ignored).to.equal('a proposer does not handle prepare messages');
    expect(receiveProposer(s, { type: 'accept', from: 3, to: 2, slot: 812, ballot: b(1, 3), value: 'x' }).ignored)
      .to.equal('a proposer does not handle accept messages');
    expect(receiveProposer(s, { type: 'rejected', from: 1, to: 2, slot: 812, ballot: b(1, 2), promised: b(2, 3) }).state.phase).to.equal('idle');
  });
});
