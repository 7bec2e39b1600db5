/**
 * Commitment (section 5.3 and 5.4.2) and applying committed entries to the state machine.
 *
 * Figure 2, rules for leaders: "If there exists an N such that N > commitIndex, a majority of
 * matchIndex[i] >= N, and log[N].term == currentTerm: set commitIndex = N." Section 5.4.2 says
 * why the last condition is there: "Raft never commits log entries from previous terms by
 * counting replicas. Only log entries from the current term are committed by counting
 * replicas; once an entry from the current term has been committed in this way, then all
 * prior entries are committed indirectly because of the Log Matching Property." Figure 8 of
 * the paper is the run that goes wrong without it (lib/zoo/raft.ts breaks it on purpose).
 */
import { applyBatch } from '../machine/replica';
import type { Reply } from '../machine/command';
import type { RaftConfig, RaftNodeState } from './state';
import { entryAt, majority, termAt } from './state';
import type { RaftStep } from './step';
import { Builder } from './step';

/** How many servers hold the leader's log up to `index` (the leader itself included). */
export function replicatedOn(config: RaftConfig<unknown, unknown, unknown>, s: RaftNodeState<unknown, unknown, unknown>, index: number): number {
  return config.servers.filter((id) => (id === s.id ? s.log.size : (s.matchIndex[id] ?? 0)) >= index).length;
}

/**
 * The leader's new commitIndex by Figure 2's rule: the highest N above commitIndex stored on a
 * majority whose entry is of the current term; commitIndex itself when there is none.
 */
export function leaderCommitIndex(config: RaftConfig<unknown, unknown, unknown>, s: RaftNodeState<unknown, unknown, unknown>): number {
  const need = majority(config);
  for (let n = s.log.size; n > s.commitIndex; n -= 1) {
    if (termAt(s.log, n) !== s.currentTerm) return s.commitIndex; // earlier entries are of earlier terms
    if (replicatedOn(config, s, n) >= need) return n;
  }
  return s.commitIndex;
}

/**
 * "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to state
 * machine (§5.3)". Raises commitIndex to `index` and applies every entry up to it, in order,
 * behind the client sessions (lib/machine/replica.ts); a leader answers each command's client
 * ("the leader ... returns the result of that execution to the client", section 5.3).
 */
export function commitTo<S, Op, R>(b: Builder<S, Op, R>, index: number): void {
  if (index <= b.s.commitIndex) return;
  const top = Math.min(index, b.s.log.size);
  let replica = b.s.replica;
  let committed = 0;
  let applied = 0;
  const leader = b.s.role === 'leader';
  for (let i = b.s.commitIndex + 1; i <= top; i += 1) {
    const entry = entryAt(b.s.log, i)!;
    if (leader) b.emit({ type: 'stage', stage: 'quorum-acknowledged', slot: i, term: b.s.currentTerm, value: entry });
    b.emit({ type: 'chosen', slot: i, value: entry });
    let fresh = 0;
    if (entry.kind === 'command') {
      committed += 1;
      const batch = applyBatch(b.config.machine, replica, [entry.command]);
      replica = batch.replica;
      const outcome = batch.applied[0]!;
      if (outcome.outcome === 'applied') fresh = 1;
      if (leader && outcome.outcome !== 'stale') {
        const reply: Reply<R> = { status: 'ok', result: outcome.result };
        b.emit({ type: 'reply', node: b.s.id, client: entry.command.client, seq: entry.command.seq, reply });
      }
    }
    applied += fresh;
    b.emit({ type: 'applied', slot: i, commands: fresh });
  }
  const c = b.s.counters;
  b.update({ commitIndex: top, replica, counters: { ...c, committed: c.committed + committed, applied: c.applied + applied } });
}

/** A leader applies Figure 2's commit rule. */
export function advanceLeaderCommit<S, Op, R>(b: Builder<S, Op, R>): void {
  commitTo(b, leaderCommitIndex(b.config, b.s));
}

/** Exposed for the bug zoo: commit up to `index` in one step, whatever the rule says. */
export function commitAt<S, Op, R>(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>, index: number): RaftStep<S, Op, R> {
  const b = new Builder(config, state);
  commitTo(b, index);
  return b.finish();
}
