import { expect } from 'chai';
import fc from 'fast-check';
import { MESSAGE_TYPES } from '../../../lib/multipaxos/messages';
import { ZERO_COUNTERS } from '../../../lib/multipaxos/state';
import { RAFT_MESSAGE_TYPES } from '../../../lib/raft/messages';
import { ZERO_COUNTERS as RAFT_ZERO_COUNTERS } from '../../../lib/raft/state';
import { MULTIPAXOS_SCHEMAS, multiPaxosMessage, RAFT_SCHEMAS, raftMessage, type MessageValidator } from '../../../lib/runtime/transport';
import { accept, simulatedMessages } from './helpers';

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe('runtime/transport schemas', () => {
  it('has one schema for every Multi-Paxos message type, and no other', () => {
    // MESSAGE_TYPES is the protocol's list; the counters' `sent` record is keyed by the type union
    // itself (the compiler keeps it complete), so a type missing from either list is caught too.
    expect(sorted(Object.keys(MULTIPAXOS_SCHEMAS))).to.deep.equal(sorted(MESSAGE_TYPES));
    // A heartbeat acknowledgement (read-index and lease rounds) is counted once one is sent.
    expect(sorted(Object.keys(MULTIPAXOS_SCHEMAS))).to.deep.equal(sorted([...Object.keys(ZERO_COUNTERS.sent), 'heartbeat-ack']));
  });

  it('has one schema for every Raft message type, and no other', () => {
    expect(sorted(Object.keys(RAFT_SCHEMAS))).to.deep.equal(sorted(RAFT_MESSAGE_TYPES));
    expect(sorted(Object.keys(RAFT_SCHEMAS))).to.deep.equal(sorted(Object.keys(RAFT_ZERO_COUNTERS.sent)));
  });

  for (const [protocol, validate, types] of [
    ['multipaxos', multiPaxosMessage, MESSAGE_TYPES],
    ['raft', raftMessage, RAFT_MESSAGE_TYPES],
  ] as const) {
    it(`accepts every message of ${protocol} simulator runs (all faults), and the runs use every type`, () => {
      const messages = simulatedMessages(protocol, 3);
      const seen = new Set<string>();
      for (const m of messages) {
        const r = (validate as MessageValidator<unknown>)(m);
        expect(r, JSON.stringify(m)).to.deep.include({ ok: true });
        seen.add((m as { type: string }).type);
      }
      expect(sorted(seen)).to.deep.equal(sorted(types));
    });

    it(`rejects broken copies of real ${protocol} messages with the failing path`, () => {
      const messages = simulatedMessages(protocol, 1).slice(0, 100) as Record<string, unknown>[];
      const v = validate as MessageValidator<unknown>;
      for (const m of messages) {
        for (const bad of [{ ...m, extra: true }, { ...m, from: 0 }, { ...m, to: 2.5 }, { ...m, from: '1' }, { ...m, type: 'gossip' }]) {
          expect(v(bad).ok, JSON.stringify(bad)).to.equal(false);
        }
        const { from: _from, ...noFrom } = m;
        expect(v(noFrom).ok).to.equal(false);
      }
      expect(v({ ...messages[0], from: -3 })).to.deep.include({ ok: false });
      const r = v({ ...messages[0], from: -3 });
      expect(!r.ok && r.error).to.match(/\/from/);
    });
  }

  it('accepts the booking authority\'s commands and rejects an unknown operation', () => {
    expect(multiPaxosMessage(accept(2, 1)).ok).to.equal(true);
    const m = accept(2, 1);
    const unknownOp = { ...m, value: { kind: 'batch', commands: [{ client: 'a', seq: 1, op: { type: 'overbook', suite: 'S12' } }] } };
    expect(multiPaxosMessage(unknownOp).ok).to.equal(false);
    const negativeSeq = { ...m, value: { kind: 'batch', commands: [{ client: 'a', seq: -1, op: { type: 'get', key: 'k' } }] } };
    expect(multiPaxosMessage(negativeSeq).ok).to.equal(false);
  });

  it('never throws on any JSON value, and accepts none that is not a message (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(multiPaxosMessage(value).ok).to.equal(false);
        expect(raftMessage(value).ok).to.equal(false);
      }),
      { numRuns: 1000 },
    );
    for (const odd of [null, [], 'prepare', { type: '__proto__' }, { type: 'constructor' }, { type: 7 }]) {
      expect(multiPaxosMessage(odd).ok).to.equal(false);
    }
  });
});
