/** Raft entries and messages as one readable line each, for traces, the checker and `synod compare`. */
import { assertNever } from '../core/types';
import { commandKey } from '../machine/command';
import type { RaftMessage } from './messages';
import type { RaftEntry } from './state';

/** `x#1@2`: the command (or `noop`) and, after `@`, the entry's term. */
export function entryText(e: RaftEntry<unknown> | undefined): string {
  if (e === undefined) return 'nothing';
  return e.kind === 'noop' ? `noop@${e.term}` : `${commandKey(e.command)}@${e.term}`;
}

export function describeRaftMessage<Op>(m: RaftMessage<Op>): string {
  const head = `n${m.from} -> n${m.to} : ${m.type} term ${m.term}`;
  switch (m.type) {
    case 'request-vote':
      return `${head} last ${m.lastLogIndex}@${m.lastLogTerm}`;
    case 'vote':
      return `${head} ${m.granted ? 'granted' : 'denied'}`;
    case 'append-entries':
      return `${head} prev ${m.prevLogIndex}@${m.prevLogTerm} [${m.entries.map(entryText).join(' ')}] commit ${m.leaderCommit}`;
    case 'append-reply':
      return m.success ? `${head} ok match ${m.match}` : `${head} refused at ${m.index} (hint ${m.conflictIndex}@${m.conflictTerm})`;
    default:
      return assertNever(m, 'message');
  }
}
