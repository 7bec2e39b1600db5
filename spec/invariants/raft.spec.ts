/**
 * Raft's invariants (lib/invariants/raft.ts), each shown to reject the state or history it
 * exists for, and to accept a legal one beside it.
 */
import { expect } from 'chai';
import * as vec from '../../lib/core/vector';
import type { RaftView } from '../../lib/invariants/raft';
import { checkRaft, checkRaftStates } from '../../lib/invariants/raft';
import type { RaftEntry, RaftLog } from '../../lib/raft/state';
import type { RaftMessage } from '../../lib/raft/messages';

const noop = (term: number): RaftEntry<string> => ({ term, kind: 'noop' });
const cmd = (term: number, client: string): RaftEntry<string> => ({ term, kind: 'command', command: { client, seq: 1, op: client } });
const log = (...entries: RaftEntry<string>[]): RaftLog<string> => vec.fromArray(entries);
const server = (id: number, patch: Partial<RaftView<string>> = {}): RaftView<string> => ({ id, role: 'follower', currentTerm: 1, log: log(), commitIndex: 0, ...patch });
const names = (servers: RaftView<string>[], messages: RaftMessage<string>[] = [], extra: Partial<Parameters<typeof checkRaft<string>>[0]> = {}): string[] =>
  checkRaft({ servers, messages, commits: [], acks: [], ...extra }).map((v) => v.invariant);
const append = (from: number, term: number, prevLogIndex: number, entries: RaftEntry<string>[]): RaftMessage<string> => ({
  type: 'append-entries', from, to: 9, term, prevLogIndex, prevLogTerm: 0, entries, leaderCommit: 0,
});

describe('invariants: Raft (Figure 3 of the Raft paper)', () => {
  it('ElectionSafety rejects two leaders of one term, now or in the AppendEntries ever sent', () => {
    expect(names([server(1, { role: 'leader' }), server(2, { role: 'leader', currentTerm: 2 })])).to.deep.equal([]);
    expect(names([server(1, { role: 'leader' }), server(2, { role: 'leader' })])).to.deep.equal(['ElectionSafety']);
    expect(names([server(1)], [append(1, 3, 0, []), append(2, 3, 0, [])])).to.deep.equal(['ElectionSafety']);
  });

  it('LeaderAppendOnly rejects a leader that sent two different entries for one index in its term', () => {
    expect(names([server(1)], [append(1, 2, 0, [noop(2)]), append(1, 2, 0, [noop(2), cmd(2, 'a')])])).to.deep.equal([]);
    expect(names([server(1)], [append(1, 2, 0, [cmd(2, 'a')]), append(1, 2, 0, [cmd(2, 'b')])])).to.deep.equal(['LeaderAppendOnly']);
  });

  it('LogMatching rejects logs that share an (index, term) but differ before it, and a log whose terms go down', () => {
    expect(checkRaftStates([server(1, { log: log(noop(1), cmd(2, 'a')) }), server(2, { log: log(noop(1), cmd(2, 'a'), noop(3)) })])).to.deep.equal([]);
    expect(checkRaftStates([server(1, { log: log(noop(1), cmd(2, 'a')) }), server(2, { log: log(cmd(1, 'x'), cmd(2, 'a')) })]).map((v) => v.invariant)).to.deep.equal(['LogMatching']);
    expect(checkRaftStates([server(1, { log: log(noop(2), noop(1)) })]).map((v) => v.invariant)).to.deep.equal(['LogMatching']);
  });

  it('LeaderCompleteness rejects a leader without an entry committed by a server of an earlier or equal term', () => {
    const committed = server(2, { currentTerm: 2, log: log(noop(1), cmd(1, 'x')), commitIndex: 2 });
    expect(checkRaftStates([server(1, { role: 'leader', currentTerm: 3, log: log(noop(1), cmd(1, 'x'), noop(3)) }), committed])).to.deep.equal([]);
    expect(checkRaftStates([server(1, { role: 'leader', currentTerm: 3, log: log(noop(1), noop(3)) }), committed]).map((v) => v.invariant)).to.include('LeaderCompleteness');
    // A stale leader (term 1) is not bound by what a server of term 2 committed.
    expect(checkRaftStates([server(1, { role: 'leader', currentTerm: 1, log: log(noop(1)) }), server(2, { currentTerm: 2, log: log(noop(1), noop(2)), commitIndex: 2 })])).to.deep.equal([]);
  });

  it('StateMachineSafety rejects two servers whose committed prefixes differ', () => {
    const a = server(1, { log: log(noop(1), cmd(1, 'x')), commitIndex: 2 });
    expect(checkRaftStates([a, server(2, { log: log(noop(1), cmd(1, 'x')), commitIndex: 1 })])).to.deep.equal([]);
    expect(checkRaftStates([a, server(2, { log: log(noop(1), cmd(2, 'y')), commitIndex: 2 })]).map((v) => v.invariant)).to.include('StateMachineSafety');
  });

  it('Agreement rejects two commits of different entries at one index, over all time; ChosenIsStable a server that lost what it committed', () => {
    const commits = [{ node: 1, index: 1, entry: cmd(1, 'x') }, { node: 2, index: 1, entry: cmd(2, 'y') }];
    expect(names([server(1, { log: log(cmd(1, 'x')) }), server(2, { log: log(cmd(2, 'y')) })], [], { commits })).to.include('Agreement');
    expect(names([server(1, { log: log(noop(3)) })], [], { commits: [commits[0]!] })).to.deep.equal(['ChosenIsStable']);
    expect(names([server(1, { log: log(cmd(1, 'x')) })], [], { commits: [commits[0]!] })).to.deep.equal([]);
  });

  it('AckImpliesChosen rejects an "ok" for a command no server committed', () => {
    const commits = [{ node: 1, index: 1, entry: cmd(1, 'x') }];
    expect(names([server(1, { log: log(cmd(1, 'x')) })], [], { commits, acks: [{ node: 1, client: 'x', seq: 1 }] })).to.deep.equal([]);
    expect(names([server(1, { log: log(cmd(1, 'x')) })], [], { commits, acks: [{ node: 1, client: 'y', seq: 1 }] })).to.deep.equal(['AckImpliesChosen']);
  });
});
