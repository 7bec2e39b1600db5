/**
 * Recovery into the protocols' records (lib/runtime/storage/recover.ts): the fold is the
 * protocols' own, the record codecs keep holes as holes, and a record or change of the wrong
 * shape is refused with a sentence.
 */
import { expect } from 'chai';
import * as vec from '../../../lib/core/vector';
import { EMPTY_RECORD, foldChange } from '../../../lib/multipaxos/durable';
import type { MultiRecord } from '../../../lib/multipaxos/state';
import { multiPaxosCodecs, raftCodecs, recoverMultiPaxos, recoverRaft, snapshotPolicy } from '../../../lib/runtime/storage';
import type { MultiChange, Op } from './helpers';
import { MULTI_CHANGES, plainMulti, plainRaft, RAFT_CHANGES } from './helpers';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('storage: recovery into the protocol records', () => {
  it('nothing on disk recovers to no record (a node that never ran)', () => {
    expect(recoverMultiPaxos({ snapshot: undefined, changes: [] })).to.equal(undefined);
    expect(recoverRaft({ snapshot: undefined, changes: [] })).to.equal(undefined);
  });

  it('folds the changes on top of the snapshot with foldChange', () => {
    const snapshot = MULTI_CHANGES.slice(0, 3).reduce<MultiRecord<Op>>((r, c) => foldChange(r, c), EMPTY_RECORD);
    const folded = recoverMultiPaxos<Op>({ snapshot, changes: MULTI_CHANGES.slice(3) });
    const expected = MULTI_CHANGES.reduce<MultiRecord<Op>>((r, c) => foldChange(r, c), EMPTY_RECORD);
    expect(plainMulti(folded)).to.deep.equal(plainMulti(expected));
  });

  it('the Multi-Paxos record codec keeps holes as holes, across trie levels', () => {
    const { snapshotCodec } = multiPaxosCodecs<Op>();
    const changes: MultiChange[] = [
      { kind: 'learned', slot: 3, value: { kind: 'noop' } },
      { kind: 'learned', slot: 1100, value: { kind: 'noop' } },
      { kind: 'vote', slot: 40, ballot: { round: 2, node: 1 }, value: { kind: 'noop' } },
    ];
    const record = changes.reduce<MultiRecord<Op>>((r, c) => foldChange(r, c), EMPTY_RECORD);
    const back = snapshotCodec.decode(snapshotCodec.encode(record));
    expect(plainMulti(back)).to.deep.equal(plainMulti(record));
    expect(back.log.size).to.equal(1101);
    expect(vec.get(back.log, 4)).to.equal(undefined);
    expect(vec.get(back.log, 1100)).to.deep.equal({ kind: 'noop' });
    // Plain JSON would have turned the holes into nulls.
    const naive = JSON.parse(JSON.stringify(record)) as MultiRecord<Op>;
    expect(vec.get(naive.log, 1)).to.equal(null);
    expect(vec.get(back.log, 1)).to.equal(undefined);
  });

  it('the Raft record codec round-trips the log', () => {
    const { snapshotCodec } = raftCodecs<Op>();
    const record = recoverRaft<Op>({ snapshot: undefined, changes: RAFT_CHANGES });
    if (record === undefined) throw new Error('no record');
    expect(plainRaft(snapshotCodec.decode(snapshotCodec.encode(record)))).to.deep.equal(plainRaft(record));
  });

  it('refuses changes and records of the wrong shape, saying what is wrong', () => {
    const multi = multiPaxosCodecs<Op>();
    const raft = raftCodecs<Op>();
    expect(() => multi.changeCodec.decode(bytes('{"kind":"vote","slot":-1}'))).to.throw('a vote change needs a slot, a ballot and a value');
    expect(() => multi.changeCodec.decode(bytes('{"kind":"promise"}'))).to.throw('a promise change needs a ballot {round, node}');
    expect(() => multi.changeCodec.decode(bytes('{"kind":"learned","slot":2}'))).to.throw('a learned change needs a slot and a value');
    expect(() => multi.changeCodec.decode(bytes('7'))).to.throw('a Multi-Paxos change is an object');
    expect(() => multi.snapshotCodec.decode(bytes('{"promised":{"round":1,"node":1},"votes":{"size":1,"items":[[5,{}]]},"log":{"size":0,"items":[]}}'))).to.throw(/the record votes has a bad item \[5,\{\}\]/);
    expect(() => multi.snapshotCodec.decode(bytes('{"promised":{"round":1,"node":1},"votes":3,"log":{"size":0,"items":[]}}'))).to.throw('the record votes is not a vector');
    expect(() => multi.snapshotCodec.decode(bytes('{}'))).to.throw('a Multi-Paxos record needs a promised ballot');
    expect(() => raft.changeCodec.decode(bytes('{"kind":"truncate","from":0}'))).to.throw('a truncate change needs from >= 1');
    expect(() => raft.changeCodec.decode(bytes('{"kind":"append","index":0,"entries":[]}'))).to.throw('an append change needs an index >= 1 and entries');
    expect(() => raft.changeCodec.decode(bytes('{"kind":"hard-state","currentTerm":1}'))).to.throw('a hard-state change needs currentTerm and votedFor');
    expect(() => raft.changeCodec.decode(bytes('{"kind":"vote"}'))).to.throw('unknown Raft change kind "vote"');
    expect(() => raft.changeCodec.decode(bytes('null'))).to.throw('a Raft change is an object');
    expect(() => raft.snapshotCodec.decode(bytes('{"currentTerm":1}'))).to.throw('a Raft record needs currentTerm, votedFor and a log');
    expect(() => raft.changeCodec.decode(Buffer.from([0xff, 0xfe]))).to.throw(TypeError);
  });

  it('snapshotPolicy: a snapshot is due once the log since the last one reaches the threshold', () => {
    expect(snapshotPolicy(0, 1024)).to.equal(false);
    expect(snapshotPolicy(1023, 1024)).to.equal(false);
    expect(snapshotPolicy(1024, 1024)).to.equal(true);
    expect(() => snapshotPolicy(10, 0)).to.throw(/threshold/);
  });
});
