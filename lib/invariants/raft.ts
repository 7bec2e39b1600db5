/**
 * Raft's safety properties, as Figure 3 of the Raft paper states them, plus the properties
 * synod checks under every protocol, stated over Raft's state.
 *
 * - `ElectionSafety`: "at most one leader can be elected in a given term" (two servers leading
 *   one term now, or AppendEntries of one term ever sent by two servers: a leader is the only
 *   sender of AppendEntries in its term).
 * - `LeaderAppendOnly`: "a leader never overwrites or deletes entries in its log; it only
 *   appends new entries" (every AppendEntries a leader sends in its term shows the same entry
 *   at an index; and, step by step in the simulator, a leader's log only grows).
 * - `LogMatching`: "if two logs contain an entry with the same index and term, then the logs
 *   are identical in all entries up through the given index" (and so a log's terms never
 *   decrease along it).
 * - `LeaderCompleteness`: "if a log entry is committed in a given term, then that entry will
 *   be present in the logs of the leaders for all higher-numbered terms" (a leader holds every
 *   entry a server of a term no later than the leader's has committed).
 * - `StateMachineSafety`: "if a server has applied a log entry at a given index to its state
 *   machine, no other server will ever apply a different log entry for the same index": here,
 *   on the servers' applied prefixes now (synod's LogPrefixAgreement: they are prefixes of one
 *   another).
 * - `Agreement`: over every commit ever observed (the `chosen` effects, on any server, at any
 *   time, across crashes): one entry per index.
 * - `ChosenIsStable`: a server still holds every entry it committed (its log is durable).
 * - `AckImpliesChosen`: a client is told "ok" only for a command some server committed.
 */
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import { commandKey } from '../machine/command';
import type { RaftMessage } from '../raft/messages';
import type { RaftEntry, RaftLog, RaftRole } from '../raft/state';
import { entryAt, termAt } from '../raft/state';
import type { InvariantName, Violation } from './voting';
import { entryText } from '../raft/format';

export { entryText };

/** What the invariants need of one server. */
export interface RaftView<Op> {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly currentTerm: number;
  readonly log: RaftLog<Op>;
  readonly commitIndex: number;
}

/** A commit a server reported (a `chosen` effect). */
export interface Commit<Op> {
  readonly node: NodeId;
  readonly index: number;
  readonly entry: RaftEntry<Op>;
}

export interface RaftAck {
  readonly node: NodeId;
  readonly client: string;
  readonly seq: number;
}

export interface RaftSnapshot<Op> {
  readonly servers: readonly RaftView<Op>[];
  /** Every message ever sent. */
  readonly messages: readonly RaftMessage<Op>[];
  /** Every commit observed, in order (empty where a driver sees states only). */
  readonly commits: readonly Commit<Op>[];
  readonly acks: readonly RaftAck[];
}

function violation(invariant: InvariantName, index: number, nodes: readonly NodeId[], description: string): Violation {
  return { invariant, slot: index, ballots: [], nodes, description };
}

function sameEntry(a: RaftEntry<unknown> | undefined, b: RaftEntry<unknown> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.term !== b.term || a.kind !== b.kind) return false;
  return a.kind === 'noop' || JSON.stringify(a) === JSON.stringify(b);
}

/** The first index in [1, upTo] where the two logs differ, or 0 if none. */
function firstDifference(a: RaftLog<unknown>, b: RaftLog<unknown>, upTo: number): number {
  for (let i = 1; i <= upTo; i += 1) if (!sameEntry(entryAt(a, i), entryAt(b, i))) return i;
  return 0;
}

/** Election Safety in the servers' current states. */
export function electionSafetyNow(servers: readonly RaftView<unknown>[]): Violation[] {
  const leaders = new Map<number, NodeId>();
  const out: Violation[] = [];
  for (const s of servers) {
    if (s.role !== 'leader') continue;
    const other = leaders.get(s.currentTerm);
    if (other !== undefined) out.push(violation('ElectionSafety', 0, [other, s.id], `servers ${other} and ${s.id} both lead term ${s.currentTerm}`));
    leaders.set(s.currentTerm, s.id);
  }
  return out;
}

/** Log Matching over the servers' logs: terms never decrease along a log; a shared (index, term) means a shared prefix. */
export function logMatching(servers: readonly RaftView<unknown>[]): Violation[] {
  const out: Violation[] = [];
  for (const s of servers) {
    for (let i = 2; i <= s.log.size; i += 1) {
      if (termAt(s.log, i)! < termAt(s.log, i - 1)!) {
        out.push(violation('LogMatching', i, [s.id], `server ${s.id}'s entry ${i} (term ${termAt(s.log, i)}) follows an entry of term ${termAt(s.log, i - 1)}`));
        break;
      }
    }
  }
  for (let x = 0; x < servers.length; x += 1) {
    for (let y = x + 1; y < servers.length; y += 1) {
      const a = servers[x]!;
      const b = servers[y]!;
      let shared = 0;
      for (let i = Math.min(a.log.size, b.log.size); i >= 1; i -= 1) {
        if (termAt(a.log, i) === termAt(b.log, i)) {
          shared = i;
          break;
        }
      }
      const diff = firstDifference(a.log, b.log, shared);
      if (diff > 0) {
        out.push(violation('LogMatching', diff, [a.id, b.id], `servers ${a.id} and ${b.id} share entry ${shared} of term ${termAt(a.log, shared)} but differ at ${diff}: ${entryText(entryAt(a.log, diff))} and ${entryText(entryAt(b.log, diff))}`));
      }
    }
  }
  return out;
}

/** Leader Completeness: a leader holds every entry committed by a server whose term is no later than the leader's. */
export function leaderCompleteness(servers: readonly RaftView<unknown>[]): Violation[] {
  const out: Violation[] = [];
  for (const l of servers) {
    if (l.role !== 'leader') continue;
    for (const s of servers) {
      if (s === l || s.currentTerm > l.currentTerm || s.commitIndex === 0) continue;
      const diff = firstDifference(l.log, s.log, s.commitIndex);
      if (diff > 0) {
        out.push(violation('LeaderCompleteness', diff, [l.id, s.id], `leader ${l.id} of term ${l.currentTerm} holds ${entryText(entryAt(l.log, diff))} at ${diff}, where server ${s.id} (term ${s.currentTerm}) committed ${entryText(entryAt(s.log, diff))}`));
      }
    }
  }
  return out;
}

/** State Machine Safety (LogPrefixAgreement): the servers' applied prefixes are prefixes of one another. */
export function stateMachineSafety(servers: readonly RaftView<unknown>[]): Violation[] {
  const out: Violation[] = [];
  for (let x = 0; x < servers.length; x += 1) {
    for (let y = x + 1; y < servers.length; y += 1) {
      const a = servers[x]!;
      const b = servers[y]!;
      const diff = firstDifference(a.log, b.log, Math.min(a.commitIndex, b.commitIndex));
      if (diff > 0) {
        out.push(violation('StateMachineSafety', diff, [a.id, b.id], `servers ${a.id} and ${b.id} applied different entries at index ${diff}: ${entryText(entryAt(a.log, diff))} and ${entryText(entryAt(b.log, diff))}`));
      }
    }
  }
  return out;
}

/** Every check that reads the servers' current states only. */
export function checkRaftStates(servers: readonly RaftView<unknown>[]): Violation[] {
  return [...electionSafetyNow(servers), ...logMatching(servers), ...leaderCompleteness(servers), ...stateMachineSafety(servers)];
}

/**
 * The checks that read history (messages ever sent, commits and acknowledgements ever
 * observed), fed one event at a time: the simulator's monitor and `checkRaft` share it.
 */
export class RaftHistory<Op> {
  private readonly appendSenders = new Map<number, NodeId>();
  private readonly leaderEntries = new Map<string, RaftEntry<Op>>();
  private readonly committed = new Map<number, Commit<Op>>();
  private readonly byServer = new Map<NodeId, Map<number, RaftEntry<Op>>>();
  private readonly committedCommands = new Set<string>();
  readonly found: Violation[] = [];

  message(m: RaftMessage<Op>): void {
    if (m.type !== 'append-entries') return;
    const sender = this.appendSenders.get(m.term);
    if (sender === undefined) this.appendSenders.set(m.term, m.from);
    else if (sender !== m.from) this.found.push(violation('ElectionSafety', 0, [sender, m.from], `servers ${sender} and ${m.from} both sent AppendEntries as leaders of term ${m.term}`));
    m.entries.forEach((e, k) => {
      const index = m.prevLogIndex + 1 + k;
      const key = `${m.term}|${index}`;
      const before = this.leaderEntries.get(key);
      if (before === undefined) this.leaderEntries.set(key, e);
      else if (!sameEntry(before, e)) this.found.push(violation('LeaderAppendOnly', index, [m.from], `the leader of term ${m.term} sent ${entryText(before)} and later ${entryText(e)} at index ${index}`));
    });
  }

  commit(c: Commit<Op>): void {
    const first = this.committed.get(c.index);
    if (first === undefined) this.committed.set(c.index, c);
    else if (!sameEntry(first.entry, c.entry)) {
      this.found.push(violation('Agreement', c.index, [first.node, c.node], `server ${first.node} committed ${entryText(first.entry)} at index ${c.index}, server ${c.node} committed ${entryText(c.entry)}`));
    }
    const mine = this.byServer.get(c.node) ?? new Map<number, RaftEntry<Op>>();
    mine.set(c.index, c.entry);
    this.byServer.set(c.node, mine);
    if (c.entry.kind === 'command') this.committedCommands.add(commandKey(c.entry.command));
  }

  ack(a: RaftAck): void {
    const key = commandKey(a);
    if (!this.committedCommands.has(key)) this.found.push(violation('AckImpliesChosen', 0, [a.node], `server ${a.node} told client ${a.client} that ${key} is done, and no server committed it`));
  }

  /** ChosenIsStable for one server's current log. */
  stable(s: RaftView<Op>): Violation[] {
    const mine = this.byServer.get(s.id);
    if (mine === undefined) return [];
    for (const [index, entry] of mine) {
      const now = entryAt(s.log, index);
      if (!sameEntry(now, entry)) return [violation('ChosenIsStable', index, [s.id], `server ${s.id} committed ${entryText(entry)} at index ${index} and now holds ${entryText(now)}`)];
    }
    return [];
  }
}

/** Every invariant over one snapshot, from scratch. */
export function checkRaft<Op>(snapshot: RaftSnapshot<Op>): Violation[] {
  const history = new RaftHistory<Op>();
  for (const m of snapshot.messages) history.message(m);
  for (const c of snapshot.commits) history.commit(c);
  for (const a of snapshot.acks) history.ack(a);
  const all = [...history.found, ...checkRaftStates(snapshot.servers), ...snapshot.servers.flatMap((s) => history.stable(s))];
  // One finding per statement: the same pair of leaders is seen in every AppendEntries they sent.
  return all.filter((v, i) => all.findIndex((w) => w.invariant === v.invariant && w.description === v.description) === i);
}

/** The acknowledgement a command got: its (client, seq). */
export function ackOf(node: NodeId, command: Command<unknown>): RaftAck {
  return { node, client: command.client, seq: command.seq };
}
