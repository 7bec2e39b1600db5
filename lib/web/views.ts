/**
 * What the browser view shows of a node and of a message, as plain data: the same objects
 * become the page's SVG and its `data-` attributes, and the tests compare them with what the
 * scripted cluster computes. Nothing here reads the DOM.
 *
 * A node: its role, its epoch (a ballot under Multi-Paxos, a term under Raft), its promise
 * (maxBal; Raft's currentTerm and votedFor), its votes per slot (maxVBal, maxVal; Raft's log
 * entries with their terms), the chosen prefix, the commit and applied points, and the stage
 * counters of the seed lesson. A message: one line in the paper's words (`prepare 41.2`,
 * `promise 42.3 (slot 812: #8841 @41.2)`, `accept slot 812 = #8841`, `accepted`, `rejected,
 * promised 42.3`), with the full line of lib/multipaxos/format.ts or lib/raft/format.ts beside it.
 */
import type { NodeId } from '../core/types';
import * as vec from '../core/vector';
import * as ballots from '../paxos/ballot';
import type { Command } from '../machine/command';
import { commandKey } from '../machine/command';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import type { MultiNodeState } from '../multipaxos/node';
import { describeMessage } from '../multipaxos/format';
import type { RaftMessage } from '../raft/messages';
import type { RaftEntry, RaftNodeState } from '../raft/state';
import { entryAt } from '../raft/state';
import { describeRaftMessage, entryText } from '../raft/format';
import type { Message as DecreeMessage } from '../paxos/messages';
import type { NodeState as DecreeNodeState } from '../paxos/node';
import { describeMessage as describeDecreeMessage, showValue } from '../paxos/format';

/** One slot (Raft: one log index) as a node holds it. */
export interface SlotCell {
  readonly slot: number;
  /** maxVBal (Raft: the entry's term); '-' for no vote. */
  readonly ballot: string;
  /** maxVal (Raft: the entry's command); '-' for no vote. */
  readonly value: string;
  /**
   * The value the node learned chosen there (Raft: the entry, once committed), or null. It can
   * differ from the vote: an acceptor that voted for #8841 in 41.2 may learn #8849, chosen in 42.3.
   */
  readonly chosen: string | null;
}

export interface NodeView {
  readonly id: NodeId;
  readonly up: boolean;
  readonly role: string;
  /** The ballot it leads or campaigns with (Raft: its currentTerm). */
  readonly epoch: string;
  /** maxBal (Raft: currentTerm, and the vote in it). */
  readonly promised: string;
  /** The last few slots it voted in or learned (Raft: log entries), newest last. */
  readonly slots: readonly SlotCell[];
  /** Slots 0..chosen-1 are known chosen without a hole (Raft: the committed prefix). */
  readonly chosen: number;
  readonly commit: number;
  readonly applied: number;
  readonly proposed: number;
  /** Multi-Paxos only (Raft has no such stage: -1). */
  readonly quorumAcknowledged: number;
  readonly committed: number;
  readonly appliedCommands: number;
  /** Single-decree Paxos only: each role the node plays, as the paper names its state. */
  readonly decree?: DecreeView;
}

/** A single-decree node's roles (null: the node does not play it). */
export interface DecreeView {
  /** maxBal, and the vote (maxVBal, maxVal; '-' for none). */
  readonly acceptor: { readonly maxBal: string; readonly maxVBal: string; readonly maxVal: string } | null;
  /** Its phase (idle, preparing, accepting, acknowledged), its ballot and the value it was asked to propose ('-' for none). */
  readonly proposer: { readonly phase: string; readonly ballot: string; readonly value: string } | null;
  /** The value it learned chosen ('-' for none), and the ballot whose quorum chose it. */
  readonly learner: { readonly chosen: string; readonly ballot: string } | null;
}

/** How many slots a node shows. */
export const SHOWN_SLOTS = 4;

export function showCommand(c: Command<unknown>): string {
  const op = c.op as { type?: unknown; booking?: unknown; key?: unknown; value?: unknown; suite?: unknown };
  if (op.type === 'reserve' || op.type === 'release' || op.type === 'confirm') return `${String(op.booking)}`;
  if (op.type === 'put') return `${String(op.key)}=${String(op.value)}`;
  return commandKey(c);
}

export function showEntry(e: Entry<unknown>): string {
  return e.kind === 'noop' ? 'no-op' : e.commands.map(showCommand).join('+');
}

function showRaftEntry(e: RaftEntry<unknown>): string {
  return e.kind === 'noop' ? 'no-op' : showCommand(e.command);
}

export function multiPaxosView(s: MultiNodeState<unknown, unknown, unknown>, up: boolean): NodeView {
  const last = Math.max(s.acceptor.votes.size, s.learner.log.size);
  const slots: SlotCell[] = [];
  for (let slot = Math.max(0, last - SHOWN_SLOTS); slot < last; slot += 1) {
    const vote = vec.get(s.acceptor.votes, slot);
    const learned = vec.get(s.learner.log, slot);
    if (vote === undefined && learned === undefined) continue;
    slots.push({
      slot,
      ballot: vote === undefined ? '-' : ballots.format(vote.ballot),
      value: vote === undefined ? '-' : showEntry(vote.value),
      chosen: learned === undefined ? null : showEntry(learned),
    });
  }
  let chosen = s.learner.commit;
  while (vec.get(s.learner.log, chosen) !== undefined) chosen += 1;
  return {
    id: s.id,
    up,
    role: s.leader.role,
    epoch: ballots.format(s.leader.ballot),
    promised: ballots.format(s.acceptor.maxBal),
    slots,
    chosen,
    commit: s.learner.commit,
    applied: s.learner.commit,
    proposed: s.counters.proposed,
    quorumAcknowledged: s.counters.quorumAcknowledged,
    committed: s.counters.committed,
    appliedCommands: s.counters.applied,
  };
}

export function raftView(s: RaftNodeState<unknown, unknown, unknown>, up: boolean): NodeView {
  const slots: SlotCell[] = [];
  for (let index = Math.max(1, s.log.size - SHOWN_SLOTS + 1); index <= s.log.size; index += 1) {
    const e = entryAt(s.log, index)!;
    slots.push({ slot: index, ballot: String(e.term), value: showRaftEntry(e), chosen: index <= s.commitIndex ? showRaftEntry(e) : null });
  }
  return {
    id: s.id,
    up,
    role: s.role,
    epoch: String(s.currentTerm),
    promised: `${s.currentTerm}${s.votedFor === 0 ? '' : ` (voted ${s.votedFor})`}`,
    slots,
    chosen: s.commitIndex,
    commit: s.commitIndex,
    applied: s.commitIndex,
    proposed: s.counters.proposed,
    quorumAcknowledged: -1,
    committed: s.counters.committed,
    appliedCommands: s.counters.applied,
  };
}

/**
 * A single-decree node (lib/paxos/node.ts). The shared fields read: role = the roles it plays
 * (the proposer's phase in brackets), epoch = the proposer's ballot, promised = maxBal, one slot
 * cell (the acceptor's vote, the learner's value), chosen = 1 once its learner learned a value;
 * proposed = 1 once it was asked to propose, quorumAcknowledged = 1 once a phase-2 quorum
 * accepted its proposal, committed = chosen; there is no log to commit or apply (0).
 */
export function decreeView(s: DecreeNodeState<unknown>, up: boolean, slot: number): NodeView {
  const a = s.acceptor;
  const p = s.proposer;
  const l = s.learner;
  const roles = [a === null ? null : 'acceptor', p === null ? null : `proposer (${p.phase})`, l === null ? null : 'learner'].filter((r): r is string => r !== null);
  const learned = l?.chosen ?? null;
  const vote = a?.accepted ?? null;
  const slots: SlotCell[] =
    vote === null && learned === null
      ? []
      : [{ slot, ballot: vote === null ? '-' : ballots.format(vote.ballot), value: vote === null ? '-' : showValue(vote.value), chosen: learned === null ? null : showValue(learned.value) }];
  return {
    id: s.id,
    up,
    role: roles.join(' + '),
    epoch: p === null ? '-' : ballots.format(p.ballot),
    promised: a === null ? '-' : ballots.format(a.promised),
    slots,
    chosen: learned === null ? 0 : 1,
    commit: 0,
    applied: 0,
    proposed: p !== null && p.value !== null ? 1 : 0,
    quorumAcknowledged: p !== null && p.phase === 'acknowledged' ? 1 : 0,
    committed: learned === null ? 0 : 1,
    appliedCommands: 0,
    decree: {
      acceptor: a === null ? null : { maxBal: ballots.format(a.promised), maxVBal: vote === null ? '-' : ballots.format(vote.ballot), maxVal: vote === null ? '-' : showValue(vote.value) },
      proposer: p === null ? null : { phase: p.phase, ballot: ballots.format(p.ballot), value: p.value === null ? '-' : showValue(p.value) },
      learner: l === null ? null : { chosen: learned === null ? '-' : showValue(learned.value), ballot: learned === null ? '-' : ballots.format(learned.ballot) },
    },
  };
}

/** A single-decree message in the paper's words: `prepare 41.2`, `promise 42.3 (accepted 41.2 = #8841)`, `accept 41.2 = #8841`. */
export function decreeLabel(m: DecreeMessage<unknown>): string {
  const b = ballots.format(m.ballot);
  switch (m.type) {
    case 'prepare':
      return `prepare ${b}`;
    case 'promise':
      return `promise ${b} (${m.accepted === null ? 'accepted nothing' : `accepted ${ballots.format(m.accepted.ballot)} = ${showValue(m.accepted.value)}`})`;
    case 'accept':
      return `accept ${b} = ${showValue(m.value)}`;
    case 'accepted':
      return `accepted ${b} = ${showValue(m.value)}`;
    case 'rejected':
      return `rejected ${b}, promised ${ballots.format(m.promised)}`;
    default:
      return String((m as { type: string }).type);
  }
}

/** The full line of lib/paxos/format.ts. */
export function decreeLine(m: DecreeMessage<unknown>): string {
  return describeDecreeMessage(m);
}

/** A Multi-Paxos message in the paper's words. */
export function multiPaxosLabel(m: MultiMessage<unknown>): string {
  const b = ballots.format(m.ballot);
  switch (m.type) {
    case 'prepare':
      return `prepare ${b}`;
    case 'promise': {
      const last = m.entries[m.entries.length - 1];
      return last === undefined ? `promise ${b}` : `promise ${b} (slot ${last.slot}: ${showEntry(last.value)} @${ballots.format(last.ballot)}${m.entries.length > 1 ? ` +${m.entries.length - 1}` : ''})`;
    }
    case 'accept':
      return `accept slot ${m.slot} = ${showEntry(m.value)}`;
    case 'accepted':
      return `accepted slot ${m.slot} @${b}`;
    case 'rejected':
      return `rejected, promised ${ballots.format(m.promised)}`;
    case 'heartbeat':
      return `heartbeat ${b} commit ${m.commit}`;
    case 'catchup':
      return `catchup from slot ${m.slot}`;
    case 'learn':
      return `learn slots ${m.slot}..${m.slot + m.values.length - 1}`;
    default:
      return String((m as { type: string }).type);
  }
}

/** A Raft message in the paper's words. */
export function raftLabel(m: RaftMessage<unknown>): string {
  switch (m.type) {
    case 'request-vote':
      return `RequestVote term ${m.term}`;
    case 'vote':
      return `vote ${m.granted ? 'granted' : 'denied'} term ${m.term}`;
    case 'append-entries':
      return m.entries.length === 0
        ? `AppendEntries term ${m.term} (heartbeat)`
        : `AppendEntries term ${m.term} [${m.prevLogIndex + 1}: ${m.entries.map((e) => entryText(e)).join(' ')}]`;
    case 'append-reply':
      return m.success ? `append ok, match ${m.match}` : `append refused at ${m.index}`;
    default:
      return String((m as { type: string }).type);
  }
}

export function multiPaxosLine(m: MultiMessage<unknown>): string {
  return describeMessage(m);
}

export function raftLine(m: RaftMessage<unknown>): string {
  return describeRaftMessage(m);
}
