/**
 * A snapshot's replica (the Harbor Point machine and its client sessions, both over persistent
 * vectors) through every codec a real node puts it through: the storage's change codec (the
 * `snapshot` persist change), the record codec (a file snapshot's record with its `snapshot`),
 * a FileLog on disk and back, and the transport (the `snapshot` message and a promise that
 * carries one: JSON, then the schema check and the replica rebuilt). The broken variant it
 * exists for: plain JSON turns the vectors' holes into nulls, and the replica it gives back
 * throws on its first lookup.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { lookup, toObject } from '../../../lib/core/hashmap';
import type { HarborOp, HarborResult, HarborState } from '../../../lib/machine/harbor';
import { harborStore } from '../../../lib/machine/harbor';
import type { Replica } from '../../../lib/machine/replica';
import { applyBatch, cachedResult, initReplica } from '../../../lib/machine/replica';
import type { MultiSnapshot } from '../../../lib/multipaxos/messages';
import type { DurableChange, MultiRecord } from '../../../lib/multipaxos/state';
import { foldChange } from '../../../lib/multipaxos/durable';
import { revive, reviveReplica } from '../../../lib/runtime/replica-json';
import { FileLog, multiPaxosCodecs, recoverMultiPaxos } from '../../../lib/runtime/storage';
import { encodeMessage, multiPaxosMessage } from '../../../lib/runtime/transport';
import { removeTempDirs, tempDir } from './helpers';

type R = Replica<HarborState, HarborResult>;

/** A replica after `keys` puts by `clients` clients and a few bookings (one retried). */
function replicaWith(keys: number, clients: number): R {
  const commands = [];
  for (let i = 0; i < keys; i += 1) commands.push({ client: `c${i % clients}`, seq: 1 + Math.floor(i / clients), op: { type: 'put', key: `key-${i}`, value: i % 2 === 0 ? `v${i}` : i } as HarborOp });
  commands.push({ client: 'booker', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841' } as HarborOp });
  commands.push({ client: 'booker', seq: 2, op: { type: 'reserve', suite: 'S14', booking: '8842' } as HarborOp });
  commands.push({ client: 'booker', seq: 3, op: { type: 'confirm', suite: 'S14', booking: '8842' } as HarborOp });
  return applyBatch(harborStore, initReplica(harborStore), commands).replica;
}

function plain(r: R) {
  return { kv: toObject(r.machine.kv), bookings: r.machine.bookings, sessions: toObject(r.sessions) };
}

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('runtime: a snapshot replica through the storage and transport codecs', () => {
  after(removeTempDirs);

  it('plain JSON breaks a replica (the holes of its vectors come back as nulls); revived, it is whole', () => {
    const r = replicaWith(300, 40);
    const broken = viaJson(r) as R;
    expect(() => toObject(broken.sessions)).to.throw(TypeError);
    const back = reviveReplica<HarborState, HarborResult>(viaJson(r));
    expect(plain(back)).to.deep.equal(plain(r));
    expect(lookup(back.machine.kv, 'key-17')).to.equal(17);
    expect(back.sessions.size).to.equal(r.sessions.size);
    // A retry of a client's last command gets its first result from the revived sessions.
    expect(cachedResult(back, { client: 'booker', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841' } })).to.deep.equal({ outcome: 'stale' });
    expect(cachedResult(back, { client: 'booker', seq: 3, op: { type: 'confirm', suite: 'S14', booking: '8842' } })).to.deep.equal({ outcome: 'duplicate', result: { ok: true, suite: 'S14', booking: '8842', status: 'confirmed' } });
    // And it goes on: a command applied to the revived replica gives what the original gives.
    const next = { client: 'c3', seq: 99, op: { type: 'put', key: 'key-3', value: 'w' } as HarborOp };
    expect(plain(applyBatch(harborStore, back, [next]).replica)).to.deep.equal(plain(applyBatch(harborStore, r, [next]).replica));
  });

  it('round-trips any store and session table (fast-check)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer())), fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }), (kv, clients) => {
        const commands = Object.entries(kv).map(([key, value], i) => ({ client: clients[i % Math.max(1, clients.length)] ?? 'solo', seq: i + 1, op: { type: 'put', key, value } as HarborOp }));
        const r = applyBatch(harborStore, initReplica(harborStore), commands).replica;
        expect(plain(reviveReplica<HarborState, HarborResult>(viaJson(r)))).to.deep.equal(plain(r));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a malformed vector with a sentence that names where', () => {
    expect(() => reviveReplica({ machine: {}, sessions: { size: 2, shift: 0, root: [null, null, ['x', 1]] } })).to.throw(/replica.sessions: a vector item at index 2, past its size 2/);
    expect(() => reviveReplica({ machine: {}, sessions: { size: 40, shift: 5, root: [7] } })).to.throw(/not an array/);
    expect(() => reviveReplica({ machine: {} })).to.throw(/sessions are not a vector/);
    expect(() => reviveReplica(null)).to.throw(/not an object/);
    // Plain data is left as it is.
    expect(revive({ a: [1, null, { b: 'c' }] })).to.deep.equal({ a: [1, null, { b: 'c' }] });
  });

  it('the storage codecs carry the snapshot change and a record with a snapshot', () => {
    const replica = replicaWith(100, 10);
    const { changeCodec, snapshotCodec } = multiPaxosCodecs<HarborOp>();
    const change: DurableChange<HarborOp> = { kind: 'snapshot', slot: 4096, replica };
    const back = changeCodec.decode(changeCodec.encode(change));
    expect(back.kind).to.equal('snapshot');
    if (back.kind !== 'snapshot') return;
    expect(back.slot).to.equal(4096);
    expect(plain(back.replica as R)).to.deep.equal(plain(replica));

    let record: MultiRecord<HarborOp> | undefined;
    record = foldChange(record, { kind: 'promise', ballot: { round: 41, node: 1 } });
    record = foldChange(record, { kind: 'learned', slot: 4095, value: { kind: 'noop' } });
    record = foldChange(record, change);
    record = foldChange(record, { kind: 'vote', slot: 4097, ballot: { round: 41, node: 1 }, value: { kind: 'noop' } });
    record = foldChange(record, { kind: 'learned', slot: 4097, value: { kind: 'noop' } });
    const again = snapshotCodec.decode(snapshotCodec.encode(record));
    expect(again.snapshot?.slot).to.equal(4096);
    expect(plain(again.snapshot!.replica as R)).to.deep.equal(plain(replica));
    expect(again.log.size).to.equal(record.log.size);
    expect(again.votes.size).to.equal(record.votes.size);
    // The learned slot below the snapshot was dropped by the fold, and stays dropped.
    expect(snapshotCodec.decode(snapshotCodec.encode(record)).log.root).to.deep.equal(record.log.root);
    expect(() => changeCodec.decode(Buffer.from(JSON.stringify({ kind: 'snapshot', slot: 3 })))).to.throw(/a snapshot change needs a slot and a replica/);
  });

  it('a FileLog keeps a snapshot change, and a file snapshot of a record that holds one, across restarts', async () => {
    const dir = tempDir();
    const codecs = multiPaxosCodecs<HarborOp>();
    const open = () => new FileLog<DurableChange<HarborOp>, MultiRecord<HarborOp>>({ directory: dir, cluster: 'harbor', node: 1, ...codecs });
    const replica = replicaWith(200, 20);
    let log = open();
    await log.open();
    log.append([{ kind: 'learned', slot: 7, value: { kind: 'noop' } }, { kind: 'snapshot', slot: 8, replica }, { kind: 'learned', slot: 8, value: { kind: 'noop' } }]);
    await log.sync();
    await log.close();

    log = open();
    const recovered = recoverMultiPaxos(await log.open())!;
    expect(recovered.snapshot?.slot).to.equal(8);
    expect(plain(recovered.snapshot!.replica as R)).to.deep.equal(plain(replica));
    await log.writeSnapshot(recovered, []);
    await log.close();

    log = open();
    const fromFile = await log.open();
    await log.close();
    expect(fromFile.changes).to.have.length(0);
    expect(fromFile.snapshot?.snapshot?.slot).to.equal(8);
    expect(plain(fromFile.snapshot!.snapshot!.replica as R)).to.deep.equal(plain(replica));
  });

  it('the transport validates and rebuilds the replica of a snapshot message and of a promise that carries one', () => {
    const replica = replicaWith(150, 15);
    const snapshot: MultiSnapshot = { type: 'snapshot', from: 1, to: 2, ballot: { round: 41, node: 1 }, slot: 4096, replica };
    const checked = multiPaxosMessage(JSON.parse(encodeMessage(snapshot).toString('utf8')));
    expect(checked.ok).to.equal(true);
    if (!checked.ok || checked.message.type !== 'snapshot') throw new Error('not a snapshot');
    expect(plain(checked.message.replica as R)).to.deep.equal(plain(replica));

    const promise = { type: 'promise', from: 2, to: 1, ballot: { round: 42, node: 1 }, slot: 10, entries: [], snapshot: { slot: 4096, replica } };
    const p = multiPaxosMessage(viaJson(promise));
    if (!p.ok || p.message.type !== 'promise' || p.message.snapshot === undefined) throw new Error('not a promise with a snapshot');
    expect(plain(p.message.snapshot.replica as R)).to.deep.equal(plain(replica));

    // A replica whose vector cannot be rebuilt is an invalid message, never a throw.
    const bad = { ...(viaJson(snapshot) as object), replica: { machine: {}, sessions: { size: 1, shift: 0, root: [null, 5] } } };
    const refused = multiPaxosMessage(bad);
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.error).to.match(/snapshot \/replica.sessions: a vector item at index 1, past its size 1/);
  });
});
