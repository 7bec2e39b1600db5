/**
 * A Raft server as one pure step function: Figure 2 of "In Search of an Understandable
 * Consensus Algorithm" (Ongaro and Ousterhout), behind the `Protocol` interface every synod
 * driver uses.
 *
 * Every server is a follower, a candidate or a leader. Terms are consecutive integers; each
 * message carries its sender's term, and the term is handled once, here, before the role's
 * handler runs (as etcd's raft.go does in `Step`): "If RPC request or response contains term T
 * > currentTerm: set currentTerm = T, convert to follower (§5.1)"; a request of an older term
 * is refused with the receiver's term ("Reply false if term < currentTerm (§5.1)"), a reply of
 * an older term is dropped. Then: RequestVote and its reply (./election.ts), AppendEntries
 * and its reply (./replication.ts), the commit rule (./commit.ts); the state and its
 * persistence in ./state.ts.
 *
 * Time is logical: `timeout` is one tick. A follower or candidate that hears no leader for its
 * election timeout (drawn in [T, 2T) from the generator kept in its state) starts an election;
 * a leader sends AppendEntries to every follower every `heartbeat` ticks, which both keeps
 * its followers from campaigning and retransmits what they miss.
 *
 * Clients: the replicated state machine and the sessions are lib/machine's, shared with
 * Multi-Paxos. A follower redirects; a leader appends the command and answers once it is
 * applied; a leader that loses leadership tells the clients of its uncommitted entries
 * `indeterminate`; a retry with the same (client, seq) is applied once. Reads outside the log
 * (read-index, lease, follower) are ./reads.ts; with leases, a server that granted one drops
 * another candidate's RequestVote and does not campaign until the grant runs out.
 */
import type { Protocol } from '../core/protocol';
import type { NodeId } from '../core/types';
import { assertNever, ignore } from '../core/types';
import type { Command } from '../machine/command';
import { cachedResult } from '../machine/replica';
import type { RaftMessage } from './messages';
import type { PersistChange, RaftConfig, RaftNodeState, RaftRecord } from './state';
import { initRaftNode, persistChange, raftConfigProblem, recoverRaftNode } from './state';
import type { RaftEffect, RaftStep } from './step';
import { Builder } from './step';
import { campaign, onRequestVote, onVote } from './election';
import { appendAsLeader, broadcastAppend, onAppendEntries, onAppendReply, pendingIndex, sendAppend } from './replication';
import { advanceLeaderCommit } from './commit';
import type { RaftReadMode } from './reads';
import { grantHeld, onRead, settleReads, tickClock } from './reads';

/**
 * The handlers a server runs. `raftHandlers` is the paper; the bug zoo (lib/zoo/raft.ts) wraps
 * them, so a broken variant runs through the same code as the real one.
 */
export interface RaftHandlers<S, Op, R> {
  deliver(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>, m: RaftMessage<Op>): RaftStep<S, Op, R>;
  timeout(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>): RaftStep<S, Op, R>;
  request(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>, c: Command<Op>): RaftStep<S, Op, R>;
}

/**
 * "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to
 * follower (§5.1)". Persisted (with votedFor cleared) before any reply of this step. Returns
 * the reason to drop a message of an older term, or null to go on.
 */
function handleTerm<S, Op, R>(b: Builder<S, Op, R>, m: RaftMessage<Op>): string | null {
  if (m.term > b.s.currentTerm) {
    b.becomeFollower(m.type === 'append-entries' ? m.from : 0);
    b.hardState(m.term, 0);
    return null;
  }
  if (m.term === b.s.currentTerm) return null;
  // "Reply false if term < currentTerm (§5.1)": the refusal carries this server's term, which
  // makes a stale leader or candidate step down.
  switch (m.type) {
    case 'request-vote':
      b.send({ type: 'vote', from: b.s.id, to: m.from, term: b.s.currentTerm, granted: false });
      return null;
    case 'append-entries':
      b.send({ type: 'append-reply', from: b.s.id, to: m.from, term: b.s.currentTerm, success: false, index: m.prevLogIndex, match: 0, conflictIndex: 0, conflictTerm: 0 });
      return null;
    case 'vote':
    case 'append-reply':
      return `stale ${m.type} of term ${m.term}; current term ${b.s.currentTerm}`;
    default:
      return assertNever(m, 'message');
  }
}

export function deliverRaft<S, Op, R>(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>, m: RaftMessage<Op>): RaftStep<S, Op, R> {
  if (m.to !== state.id) return ignore(state, `message for server ${m.to} delivered to server ${state.id}`);
  // Leases (reads.ts): a server that granted a lease supports no other candidate until it runs
  // out, and does not even take the candidate's term (Ongaro's thesis, sections 4.2.3, 6.4.1).
  const held = m.type === 'request-vote' ? grantHeld(state, m.from) : null;
  if (held !== null) return ignore(state, `RequestVote of term ${m.term} from ${m.from}: ${held}`);
  const b = new Builder(config, state);
  const stale = handleTerm(b, m);
  if (stale !== null) return b.finish(stale);
  if (m.term < b.s.currentTerm) return b.finish(); // refused above, with this server's term
  let ignored: string | undefined;
  switch (m.type) {
    case 'request-vote':
      ignored = onRequestVote(b, m);
      break;
    case 'vote':
      ignored = onVote(b, m);
      break;
    case 'append-entries':
      // Two leaders of one term cannot exist (Election Safety); a broken variant can make them,
      // and the invariants, not this server, must be the ones to report it.
      ignored = b.s.role === 'leader' ? `AppendEntries from ${m.from}, another leader of term ${m.term}` : onAppendEntries(b, m);
      break;
    case 'append-reply':
      ignored = onAppendReply(b, m);
      break;
    default:
      return assertNever(m, 'message');
  }
  settleReads(b);
  return b.finish(ignored);
}

/**
 * One tick. Followers: "If election timeout elapses without receiving AppendEntries RPC from
 * current leader or granting vote to candidate: convert to candidate". Candidates: "If
 * election timeout elapses: start new election". Leaders: AppendEntries to each follower every
 * `heartbeat` ticks, "repeat during idle periods to prevent election timeouts (§5.2)".
 */
export function tickRaft<S, Op, R>(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>): RaftStep<S, Op, R> {
  const b = new Builder(config, { ...state, elapsed: state.elapsed + 1 });
  tickClock(b);
  switch (b.s.role) {
    case 'leader':
      if (b.s.elapsed >= config.heartbeat) broadcastAppend(b);
      return b.finish();
    case 'follower':
    case 'candidate':
      // With leases, a server that granted one waits for it to run out before it campaigns.
      if (b.s.elapsed >= b.s.timeoutAt && grantHeld(b.s, b.s.id) === null) campaign(b);
      settleReads(b);
      return b.finish();
    default:
      return assertNever(b.s.role, 'role');
  }
}

/**
 * A client command. Any server answers a command it already applied (the session's cached
 * result); a follower or candidate redirects to the leader it knows; a leader appends the
 * command (once: a retry of an entry still uncommitted is not appended again) and sends it.
 */
export function requestRaft<S, Op, R>(config: RaftConfig<S, Op, R>, state: RaftNodeState<S, Op, R>, command: Command<Op>): RaftStep<S, Op, R> {
  const b = new Builder(config, state);
  const cached = cachedResult(state.replica, command);
  if (cached !== null) {
    if (cached.outcome === 'stale') return ignore(state, `command ${command.client}#${command.seq} is older than the client's last`);
    b.emit({ type: 'reply', node: state.id, client: command.client, seq: command.seq, reply: { status: 'ok', result: cached.result } });
    return b.finish();
  }
  const mode = (command as Command<Op> & { readonly read?: string }).read;
  if (config.reads !== undefined && config.reads.query(command.op) && (mode === 'read-index' || mode === 'lease' || mode === 'follower')) {
    const round = onRead(b, command, mode satisfies RaftReadMode);
    if (round !== null) for (const to of b.peers()) sendAppend(b, to, round);
    settleReads(b);
    return b.finish();
  }
  if (state.role !== 'leader') {
    b.emit({ type: 'reply', node: state.id, client: command.client, seq: command.seq, reply: { status: 'redirect', leader: state.leader === state.id ? 0 : state.leader } });
    return b.finish();
  }
  const pending = pendingIndex(b, command);
  if (pending > 0) return ignore(state, `command ${command.client}#${command.seq} is already in the log at index ${pending}`);
  const index = appendAsLeader(b, { term: state.currentTerm, kind: 'command', command });
  for (const to of b.peers()) if ((b.s.nextIndex[to] ?? 1) === index) sendAppend(b, to);
  advanceLeaderCommit(b);
  return b.finish();
}

export function raftHandlers<S, Op, R>(): RaftHandlers<S, Op, R> {
  return { deliver: deliverRaft, timeout: tickRaft, request: requestRaft };
}

/** The durable record after one effect: a persist change is folded in; others leave it as is. */
export function persistedRaftRecord<Op, R>(durable: RaftRecord<Op> | undefined, effect: RaftEffect<Op, R>): RaftRecord<Op> | undefined {
  return effect.type === 'persist' ? persistChange(durable, effect.change as PersistChange<Op>) : durable;
}

export type RaftProtocol<S, Op, R> = Protocol<RaftNodeState<S, Op, R>, RaftMessage<Op>, RaftEffect<Op, R>, RaftRecord<Op>, Command<Op>>;

/** Raft as a `Protocol`: the one interface every driver uses. */
export function raftProtocol<S, Op, R>(config: RaftConfig<S, Op, R>, handlers: RaftHandlers<S, Op, R> = raftHandlers()): RaftProtocol<S, Op, R> {
  const problem = raftConfigProblem(config);
  if (problem !== null) throw new Error(`synod: ${problem}`);
  return {
    name: 'raft',
    nodes: [...config.servers].sort((a, x) => a - x),
    init: (id: NodeId) => initRaftNode(config, id),
    recover: (id, durable) => recoverRaftNode(config, id, durable),
    deliver: (s, m) => handlers.deliver(config, s, m),
    timeout: (s) => handlers.timeout(config, s),
    request: (s, c) => handlers.request(config, s, c),
    sent: (e) => (e.type === 'send' ? e.message : null),
    persisted: persistedRaftRecord,
  };
}
