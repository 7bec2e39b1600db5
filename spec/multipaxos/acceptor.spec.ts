/**
 * The Multi-Paxos acceptor (lib/multipaxos/acceptor.ts) runs the single-decree acceptor's
 * guards (lib/paxos/acceptor.ts `mayPromise`, `mayAccept`): one promise, Paxos.tla's maxBal,
 * for every slot, and a vote per slot.
 */
import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import { mayAccept, mayPromise } from '../../lib/paxos/acceptor';
import { majorities } from '../../lib/paxos/quorum';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { MultiNodeState, MultiPaxosConfig } from '../../lib/multipaxos/node';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import * as vec from '../../lib/core/vector';
import { NOOP } from '../../lib/multipaxos/messages';

const config: MultiPaxosConfig<KvState, KvOp, KvResult> = { quorums: majorities(3), machine: kvStore, window: 2, batch: 1, heartbeat: 1, electionTimeout: 3, seed: 1 };
const protocol = multiPaxosProtocol(config);
const b41 = ballots.of(41, 2);

/** Node 1 after promising ballot 41.2 to node 2 for every slot from 0. */
function promised(): MultiNodeState<KvState, KvOp, KvResult> {
  const step = protocol.deliver(protocol.init(1), { type: 'prepare', from: 2, to: 1, ballot: b41, slot: 0 });
  expect(step.state.acceptor.maxBal).to.deep.equal(b41);
  return step.state;
}

describe('lib/multipaxos/acceptor: the lib/paxos guards, one promise for every slot', () => {
  it('the guards: a prepare needs a ballot above maxBal (Phase1b), an accept one at least maxBal (Phase2b)', () => {
    expect(mayPromise(ballots.of(2, 1), ballots.of(1, 1))).to.equal(true);
    expect(mayPromise(ballots.of(1, 1), ballots.of(1, 1))).to.equal(false);
    expect(mayPromise(ballots.of(1, 1), ballots.of(1, 2))).to.equal(false);
    expect(mayAccept(ballots.of(1, 1), ballots.of(1, 1))).to.equal(true);
    expect(mayAccept(ballots.of(1, 2), ballots.of(1, 1))).to.equal(true);
    expect(mayAccept(ballots.of(1, 1), ballots.of(1, 2))).to.equal(false);
  });

  it('a second prepare of the promised ballot is a duplicate; a lower one is refused with the promise', () => {
    const s = promised();
    const again = protocol.deliver(s, { type: 'prepare', from: 2, to: 1, ballot: b41, slot: 0 });
    expect(again.ignored).to.match(/duplicate prepare/);
    const lower = protocol.deliver(s, { type: 'prepare', from: 3, to: 1, ballot: ballots.of(41, 1), slot: 0 });
    expect(lower.effects).to.deep.equal([{ type: 'send', message: { type: 'rejected', from: 1, to: 3, ballot: ballots.of(41, 1), slot: 0, promised: b41 } }]);
    expect(lower.state.acceptor).to.equal(s.acceptor);
  });

  it('accepts at the promised ballot in any slot, persisting the vote before it answers; refuses a lower ballot', () => {
    const s = promised();
    const at = protocol.deliver(s, { type: 'accept', from: 2, to: 1, ballot: b41, slot: 5, value: NOOP, commit: 0 });
    expect(at.effects.map((e) => e.type).slice(0, 2)).to.deep.equal(['persist', 'send']);
    expect(at.effects[0]).to.deep.equal({ type: 'persist', change: { kind: 'vote', slot: 5, ballot: b41, value: NOOP } });
    expect(vec.get(at.state.acceptor.votes, 5)).to.deep.equal({ ballot: b41, value: NOOP });
    const lower = protocol.deliver(s, { type: 'accept', from: 3, to: 1, ballot: ballots.of(40, 3), slot: 5, value: NOOP, commit: 0 });
    expect(lower.effects).to.have.length(1);
    expect(lower.effects[0]).to.deep.include({ type: 'send' });
    expect(vec.get(lower.state.acceptor.votes, 5)).to.equal(undefined);
  });

  it('the promise reports every vote from the prepare\'s first slot on, and only those', () => {
    let s = promised();
    for (const slot of [0, 2, 3]) s = protocol.deliver(s, { type: 'accept', from: 2, to: 1, ballot: b41, slot, value: NOOP, commit: 0 }).state;
    const higher = ballots.of(42, 3);
    const step = protocol.deliver(s, { type: 'prepare', from: 3, to: 1, ballot: higher, slot: 2 });
    expect(step.effects[0]).to.deep.equal({ type: 'persist', change: { kind: 'promise', ballot: higher } });
    const sent = step.effects.find((e) => e.type === 'send');
    expect(sent?.type === 'send' && sent.message.type === 'promise' ? sent.message.entries.map((e) => e.slot) : null).to.deep.equal([2, 3]);
  });
});
