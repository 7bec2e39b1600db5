/** The log-level invariants (lib/invariants/log.ts) on hand-built snapshots: each must fail when its sentence is false. */
import { expect } from 'chai';
import type { LogSnapshot, ReplicaView } from '../../lib/invariants/log';
import { ackImpliesChosen, checkLog, chosenIsStable, LogMonitor, logPrefixAgreement } from '../../lib/invariants/log';
import type { KvOp } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import type { Entry, MultiMessage } from '../../lib/multipaxos/messages';
import { NOOP } from '../../lib/multipaxos/messages';
import * as vec from '../../lib/core/vector';
import * as ballots from '../../lib/paxos/ballot';
import { majorities } from '../../lib/paxos/quorum';

const put = (client: string, seq: number, value: number): Command<KvOp> => ({ client, seq, op: { type: 'put', key: 'k', value } });
const batch = (...commands: Command<KvOp>[]): Entry<KvOp> => ({ kind: 'batch', commands });
const b41 = ballots.of(41, 1);
const b42 = ballots.of(42, 2);

function replica(id: number, log: Entry<KvOp>[], commit = log.length): ReplicaView<KvOp> {
  return { id, promised: b41, votes: vec.emptyVector(), log: vec.fromArray(log), commit };
}

function accepted(from: number, slot: number, ballot: ballots.Ballot, value: Entry<KvOp>): MultiMessage<KvOp> {
  return { type: 'accepted', from, to: 1, ballot, slot, value };
}

describe('log invariants (LogPrefixAgreement, AckImpliesChosen, ChosenIsStable)', () => {
  const a = put('a', 1, 1);
  const b = put('b', 1, 2);

  it('LogPrefixAgreement: replicas that applied the same prefix agree; a different command at one slot is caught', () => {
    expect(logPrefixAgreement([replica(1, [batch(a), NOOP]), replica(2, [batch(a)])])).to.equal(null);
    const v = logPrefixAgreement([replica(1, [batch(a)]), replica(2, [batch(b)])]);
    expect(v?.invariant).to.equal('LogPrefixAgreement');
    expect(v?.nodes).to.deep.equal([1, 2]);
    const hole = { ...replica(3, [batch(a)]), commit: 2 };
    expect(logPrefixAgreement([hole])?.description).to.match(/slot 1 missing/);
  });

  it('AckImpliesChosen: an acknowledgement needs a phase-2 quorum of votes in one ballot for a slot holding the command', () => {
    const base: LogSnapshot<KvOp> = { quorums: majorities(3), nodes: [], messages: [accepted(1, 0, b41, batch(a))], requested: [a], acks: [{ node: 1, client: 'a', seq: 1 }] };
    expect(ackImpliesChosen(base)?.invariant).to.equal('AckImpliesChosen');
    const mixed = { ...base, messages: [accepted(1, 0, b41, batch(a)), accepted(2, 0, b42, batch(a))] };
    expect(ackImpliesChosen(mixed), 'two votes in two ballots are not a quorum').to.not.equal(null);
    const chosen = { ...base, messages: [accepted(1, 0, b41, batch(a)), accepted(2, 0, b41, batch(a))] };
    expect(ackImpliesChosen(chosen)).to.equal(null);
  });

  it('ChosenIsStable: a replica never unlearns a slot, and its applied log never shrinks', () => {
    const before = [replica(1, [batch(a), batch(b)])];
    expect(chosenIsStable(before, [replica(1, [batch(a), batch(b), NOOP])])).to.equal(null);
    expect(chosenIsStable(before, [replica(1, [batch(a)])])?.description).to.match(/shrank from 2 to 1/);
    expect(chosenIsStable(before, [replica(1, [batch(a), batch(a)])])?.description).to.match(/had learned/);
  });

  it('checkLog and LogMonitor agree, and find per-slot Agreement violations from the votes', () => {
    const quorums = majorities(3);
    const messages = [accepted(1, 0, b41, batch(a)), accepted(2, 0, b41, batch(a)), accepted(2, 0, b42, batch(b)), accepted(3, 0, b42, batch(b))];
    const snapshot: LogSnapshot<KvOp> = { quorums, nodes: [replica(1, []), replica(2, []), replica(3, [])], messages, requested: [a, b], acks: [] };
    const found = checkLog(snapshot).map((v) => v.invariant);
    expect(found).to.include('Agreement');
    const monitor = new LogMonitor<KvOp>(quorums);
    [a, b].forEach((c) => monitor.request(c));
    messages.forEach((m) => monitor.message(m));
    expect(monitor.check(snapshot.nodes).map((v) => v.invariant)).to.include('Agreement');
    expect(monitor.chosenCount()).to.equal(1);
    const clean = new LogMonitor<KvOp>(quorums);
    clean.request(a);
    clean.message(accepted(1, 0, b41, batch(a)));
    clean.message(accepted(2, 0, b41, batch(a)));
    clean.ack({ node: 1, client: 'a', seq: 1 });
    expect(clean.check([replica(1, [batch(a)]), replica(2, [batch(a)])])).to.deep.equal([]);
    expect(clean.check([replica(1, [])])).to.deep.equal([{ invariant: 'ChosenIsStable', slot: 0, ballots: [], nodes: [1], description: "replica 1's applied log shrank from 1 to 0 slots" }]);
  });

  it('Validity: a chosen batch holding a command no client sent is caught', () => {
    const ghost = put('ghost', 1, 9);
    const messages: MultiMessage<KvOp>[] = [
      { type: 'accept', from: 1, to: 2, ballot: b41, slot: 0, value: batch(ghost), commit: 0 },
      accepted(1, 0, b41, batch(ghost)),
      accepted(2, 0, b41, batch(ghost)),
    ];
    const nodes = [1, 2, 3].map((id) => ({ ...replica(id, []), votes: vec.fromArray(id === 3 ? [] : [{ ballot: b41, value: batch(ghost) }]) }));
    const found = checkLog({ quorums: majorities(3), nodes, messages, requested: [a], acks: [] });
    expect(found.map((v) => v.invariant)).to.include('Validity');
  });
});
