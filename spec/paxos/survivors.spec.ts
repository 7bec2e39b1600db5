/**
 * Tests written for the mutants Stryker left alive in lib/paxos (`npm run mutation`, README
 * "Mutation testing"): each title says what the code must do that a surviving mutant did not.
 */
import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import { initAcceptor, receiveAcceptor } from '../../lib/paxos/acceptor';
import { initLearner, onLearnerAccepted, receiveLearner } from '../../lib/paxos/learner';
import { initProposer, receiveProposer } from '../../lib/paxos/proposer';
import type { Message } from '../../lib/paxos/messages';
import type { NodeState, PaxosConfig } from '../../lib/paxos/node';
import { initNode, members, paxosProtocol, stepNode } from '../../lib/paxos/node';
import { majorities, quorumSystem, quorumSystemOrThrow } from '../../lib/paxos/quorum';
import { A, config } from '../helpers/paxos';

const b41 = ballots.of(41, 2);
const accepted = (from: number, to: number, ballot = b41, slot = 812): Message<string> => ({ type: 'accepted', from, to, slot, ballot, value: A });

describe('lib/paxos: what the surviving mutants got away with', () => {
  describe('the learner keeps one tally per ballot', () => {
    it('adds an acceptance to the tally of its own ballot and leaves the other ballots\' tallies as they were', () => {
      const b42 = ballots.of(42, 3);
      let s = initLearner<string>(1, 812, majorities(5));
      for (const m of [accepted(1, 1), accepted(2, 1, b42), accepted(3, 1), accepted(4, 1, b42)]) {
        s = onLearnerAccepted(s, m as Extract<Message<string>, { type: 'accepted' }>).state;
      }
      expect(s.chosen).to.equal(null);
      expect(s.tallies).to.deep.equal([
        { ballot: b41, value: A, acceptors: [1, 3] },
        { ballot: b42, value: A, acceptors: [2, 4] },
      ]);
      const chosen = onLearnerAccepted(s, accepted(5, 1, b42) as Extract<Message<string>, { type: 'accepted' }>);
      expect(chosen.state.chosen).to.deep.equal({ ballot: b42, value: A });
      expect(chosen.state.tallies[0]).to.deep.equal({ ballot: b41, value: A, acceptors: [1, 3] });
    });
  });

  describe('quorum systems', () => {
    it('names the repeated acceptor ids, separated by commas', () => {
      expect(quorumSystem({ acceptors: [1, 2, 1] })).to.deep.equal({ ok: false, error: 'acceptor ids repeat: 1, 2, 1' });
    });

    it('refuses a quorum size of 0 or a fraction, even where the sizes would intersect', () => {
      // phase1 0 + phase2 3 does not intersect among 3, so the size check must speak first.
      expect(quorumSystem({ acceptors: [1, 2, 3], phase1: 0, phase2: 3 })).to.deep.equal({
        ok: false,
        error: 'phase-1 quorum size must be a whole number from 1 to 3, got 0',
      });
      expect(quorumSystem({ acceptors: [1, 2, 3], phase1: 2.5, phase2: 2 })).to.deep.equal({
        ok: false,
        error: 'phase-1 quorum size must be a whole number from 1 to 3, got 2.5',
      });
      expect(quorumSystem({ acceptors: [1, 2, 3, 4], phase1: 4, phase2: -1 })).to.deep.equal({
        ok: false,
        error: 'phase-2 quorum size must be a whole number from 1 to 4, got -1',
      });
    });
  });

  describe('a node routes each input to the roles it hosts', () => {
    // Acceptors 1..3; proposer 2 and 4 (4 is no acceptor); learner 2 only.
    const conf: PaxosConfig = config({ quorums: quorumSystemOrThrow({ acceptors: [3, 1, 2] }), proposers: [4, 2], learners: [2] });
    const protocol = paxosProtocol<string>(conf);

    it('is named single-decree and lists its members in id order, whatever order the configuration gives', () => {
      expect(paxosProtocol<string>(conf).name).to.equal('single-decree');
      expect(protocol.nodes).to.deep.equal([1, 2, 3, 4]);
      expect(members(config({ quorums: quorumSystemOrThrow({ acceptors: [5, 3, 1] }), proposers: [4], learners: [2] }))).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('tells a node that hosts no proposer that it is not one, for a request, a timeout, a promise and a rejection', () => {
      const one = protocol.init(1);
      expect(protocol.request(one, A).ignored).to.equal('node 1 is not a proposer');
      expect(protocol.timeout(one).ignored).to.equal('node 1 is not a proposer');
      expect(protocol.deliver(one, { type: 'promise', from: 3, to: 1, slot: 812, ballot: b41, accepted: null }).ignored).to.equal('node 1 is not a proposer');
      expect(protocol.deliver(one, { type: 'rejected', from: 3, to: 1, slot: 812, ballot: b41, promised: b41 }).ignored).to.equal('node 1 is not a proposer');
    });

    it('tells a node that hosts no acceptor that it is not one, for a prepare and an accept', () => {
      const four = protocol.init(4);
      expect(protocol.deliver(four, { type: 'prepare', from: 2, to: 4, slot: 812, ballot: b41 }).ignored).to.equal('node 4 is not an acceptor');
      expect(protocol.deliver(four, { type: 'accept', from: 2, to: 4, slot: 812, ballot: b41, value: A }).ignored).to.equal('node 4 is not an acceptor');
    });

    it('hands a rejection to the proposer, which abandons its ballot and remembers the higher one', () => {
      const preparing = protocol.request(protocol.init(2), A).state;
      expect(preparing.proposer?.phase).to.equal('preparing');
      const ballot = preparing.proposer!.ballot;
      const higher = ballots.of(ballot.round + 5, 3);
      const step = protocol.deliver(preparing, { type: 'rejected', from: 3, to: 2, slot: 812, ballot, promised: higher });
      expect(step.ignored).to.equal(undefined);
      expect(step.state.proposer?.phase).to.equal('idle');
      expect(step.state.proposer?.highest).to.deep.equal(higher);
    });

    it('an acceptance: ignored only when every role it hosts ignores it, with every role\'s reason', () => {
      const two = protocol.init(2);
      // The proposer ignores it (it is idle), the learner counts it: acted on, nothing ignored.
      const counted = protocol.deliver(two, accepted(1, 2));
      expect(counted.ignored).to.equal(undefined);
      expect(counted.state.learner?.tallies).to.have.length(1);
      // Both ignore it (wrong slot): both reasons, proposer first.
      expect(protocol.deliver(two, accepted(1, 2, b41, 9)).ignored).to.equal(
        'accepted for slot 9, this proposer runs slot 812; accepted for slot 9, this learner learns slot 812',
      );
      // Node 4 hosts a proposer and no learner: the proposer's reason alone.
      expect(protocol.deliver(protocol.init(4), accepted(1, 4)).ignored).to.equal('stale accepted for ballot 41.2, current is 40.0');
    });

    it('an acceptance at a node with a learner and no proposer: the learner\'s reason alone when it ignores it', () => {
      const learnerOnly: PaxosConfig = config({ proposers: [3], learners: [1, 2, 3] });
      const one: NodeState<string> = initNode(learnerOnly, 1);
      expect(stepNode(one, { type: 'receive', message: accepted(7, 1) }).ignored).to.equal('accepted from 7, which is not an acceptor');
      expect(stepNode(one, { type: 'receive', message: accepted(2, 1) }).ignored).to.equal(undefined);
    });

    it('an acceptance at a node that hosts neither a proposer nor a learner is ignored, and says so', () => {
      expect(protocol.deliver(protocol.init(1), accepted(3, 1)).ignored).to.equal('node 1 hosts no proposer or learner');
    });
  });

  describe('a message of a type nobody knows (a driver bug) stops a role loudly, naming what it got', () => {
    const bogus = { type: 'gossip', from: 2, to: 1 } as unknown as Message<string>;
    it('the acceptor, the proposer, the learner and the node each throw "unexpected message"', () => {
      expect(() => receiveAcceptor(initAcceptor<string>(1, [1]), bogus)).to.throw('unexpected message: {"type":"gossip","from":2,"to":1}');
      expect(() => receiveProposer(initProposer<string>(1, 812, majorities(3)), bogus)).to.throw('unexpected message: {"type":"gossip"');
      expect(() => receiveLearner(initLearner<string>(1, 812, majorities(3)), bogus)).to.throw('unexpected message: {"type":"gossip"');
      expect(() => stepNode(initNode<string>(config(), 2), { type: 'receive', message: bogus })).to.throw('unexpected message: {"type":"gossip"');
      expect(() => stepNode(initNode<string>(config(), 2), { type: 'restart' } as never)).to.throw('unexpected node input: {"type":"restart"}');
    });
  });
});
