import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import { initLearner, onLearnerAccepted, receiveLearner } from '../../lib/paxos/learner';
import { majorities } from '../../lib/paxos/quorum';

const acc = (from: number, round: number, node: number, value: string) =>
  ({ type: 'accepted', from, to: 1, slot: 812, ballot: ballots.of(round, node), value }) as const;

describe('lib/paxos/learner', () => {
  const fresh = initLearner<string>(1, 812, majorities(3));

  it('learns a value once a phase-2 quorum accepted it in one ballot', () => {
    const one = onLearnerAccepted(fresh, acc(1, 41, 2, '#8841'));
    expect(one.state.chosen).to.equal(null);
    const two = onLearnerAccepted(one.state, acc(2, 41, 2, '#8841'));
    expect(two.state.chosen).to.deep.equal({ ballot: ballots.of(41, 2), value: '#8841' });
    expect(two.effects).to.deep.equal([{ type: 'chosen', slot: 812, ballot: ballots.of(41, 2), value: '#8841' }]);
    expect(onLearnerAccepted(two.state, acc(3, 41, 2, '#8841')).ignored).to.equal('slot 812 already learned');
  });

  it('does not add acceptances of one value made in different ballots', () => {
    let s = onLearnerAccepted(fresh, acc(1, 41, 2, '#8841')).state;
    s = onLearnerAccepted(s, acc(2, 42, 3, '#8841')).state;
    expect(s.chosen).to.equal(null);
    expect(s.tallies).to.have.length(2);
  });

  it('counts an acceptor once, and ignores other slots and non-acceptors', () => {
    const s = onLearnerAccepted(fresh, acc(1, 41, 2, 'x')).state;
    expect(onLearnerAccepted(s, acc(1, 41, 2, 'x')).ignored).to.equal('duplicate accepted from 1 for ballot 41.2');
    expect(onLearnerAccepted(s, { ...acc(2, 41, 2, 'x'), slot: 9 }).ignored).to.equal('accepted for slot 9, this learner learns slot 812');
    expect(onLearnerAccepted(s, acc(7, 41, 2, 'x')).ignored).to.equal('accepted from 7, which is not an acceptor');
  });

  it('listens only to acceptances', () => {
    expect(receiveLearner(fresh, acc(1, 41, 2, 'x')).state.tallies).to.have.length(1);
    expect(receiveLearner(fresh, { type: 'prepare', from: 2, to: 1, slot: 812, ballot: ballots.of(1, 2) }).ignored)
      .to.equal('a learner does not handle prepare messages');
  });
});
