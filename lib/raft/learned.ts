/**
 * The simulator's safety checks for runs under a Raft leader policy: the learned-based
 * invariants of ./safety.ts, stated over the simulator's snapshot (`checkLearned`, from
 * scratch) and fed step by step (`LearnedMonitor`, incremental), in the invariant vocabulary
 * of lib/invariants so that the simulator reports them like any other.
 *
 * Why the vote-based checks of lib/invariants/log.ts are left out under Raft: they define
 * "chosen" as Voting.tla does (a phase-2 quorum of votes in one ballot). A Raft leader does
 * not commit by that rule. An entry of an older term may sit on a quorum in one ballot and
 * still be uncommitted, and a later leader may legally overwrite it (Figure 8), so per-slot
 * Agreement over votes would report a violation that Raft never promised to avoid. The reverse
 * also happens: an older entry commits indirectly, when a later entry of the current term
 * does, with no quorum of votes for it in any single ballot, so a vote-based AckImpliesChosen
 * would report an acknowledged command as unchosen. What Raft does promise (State Machine
 * Safety, Leader Completeness) is about what replicas learn and apply, and that is what is
 * checked here:
 *
 * - `Agreement`: no two replicas learn different commands at one slot (no-ops of different
 *   terms agree: the state machine applies neither);
 * - `LogPrefixAgreement`: applied prefixes agree;
 * - `ChosenIsStable`: a replica still holds every slot it learned;
 * - `AckImpliesChosen`: every acknowledged command is in a slot some replica learned;
 * - `PromiseKept`: every vote's ballot is at most its acceptor's promise (maxVBal <= maxBal).
 */
import * as ballots from '../paxos/ballot';
import type { NodeId } from '../core/types';
import type { Violation } from '../invariants/voting';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { MultiEffect, MultiNodeState } from '../multipaxos/node';
import * as vec from '../core/vector';
import { entryContent, entryLabel } from './safety';

type AnyState<Op> = MultiNodeState<unknown, Op, unknown>;

function violation(invariant: Violation['invariant'], slot: number, nodes: readonly NodeId[], description: string): Violation {
  return { invariant, slot, ballots: [], nodes, description };
}

function agreement<Op>(slot: number, first: { node: NodeId; entry: Entry<Op> }, node: NodeId, entry: Entry<Op>): Violation {
  return violation('Agreement', slot, [first.node, node], `node ${first.node} learned ${entryLabel(first.entry)} at slot ${slot}, node ${node} learned ${entryLabel(entry)}`);
}

function promiseKept<Op>(s: AnyState<Op>, slot: number): Violation | null {
  const v = vec.get(s.votes, slot);
  if (v === undefined || !ballots.less(s.promised, v.ballot)) return null;
  return violation('PromiseKept', slot, [s.id], `node ${s.id} holds a vote in ${ballots.format(v.ballot)} at slot ${slot}, above its promise ${ballots.format(s.promised)}`);
}

function isOkReply<Op>(e: MultiEffect<Op, unknown>): e is Extract<MultiEffect<Op, unknown>, { type: 'reply' }> {
  return e.type === 'reply' && e.reply.status === 'ok';
}

/** Every learned-based violation in a snapshot of a run (from scratch). */
export function checkLearned<Op>(
  nodes: readonly AnyState<Op>[],
  observed: readonly { readonly node: NodeId; readonly effect: MultiEffect<Op, unknown> }[],
): Violation[] {
  const out: Violation[] = [];
  const first = new Map<number, { node: NodeId; entry: Entry<Op>; content: string }>();
  const learnedCommands = new Set<string>();
  // A crash between a step's persist and its sends loses the step's `chosen` effect but not
  // its log: every command in a replica's log counts as learned.
  for (const n of nodes) {
    for (const e of vec.range(n.log, 0)) if (e?.kind === 'batch') for (const c of e.commands) learnedCommands.add(commandKey(c));
  }
  for (const { node, effect } of observed) {
    if (effect.type === 'chosen') {
      const content = entryContent(effect.value);
      const f = first.get(effect.slot);
      if (f === undefined) first.set(effect.slot, { node, entry: effect.value, content });
      else if (f.content !== content) out.push(agreement(effect.slot, f, node, effect.value));
      if (effect.value.kind === 'batch') for (const c of effect.value.commands) learnedCommands.add(commandKey(c));
      const s = nodes.find((n) => n.id === node);
      const now = s === undefined ? undefined : vec.get(s.log, effect.slot);
      if (now === undefined || entryContent(now) !== content) {
        out.push(violation('ChosenIsStable', effect.slot, [node], `node ${node} learned ${entryLabel(effect.value)} at slot ${effect.slot} and now holds ${now === undefined ? 'nothing' : entryLabel(now)}`));
      }
    } else if (isOkReply(effect) && !learnedCommands.has(commandKey(effect))) {
      out.push(violation('AckImpliesChosen', -1, [node], `node ${node} acknowledged ${commandKey(effect)}, which no replica had learned`));
    }
  }
  const applied = new Map<number, { node: NodeId; entry: Entry<Op>; content: string }>();
  for (const n of nodes) {
    for (let slot = n.commit; slot < n.log.size; slot += 1) {
      const e = vec.get(n.log, slot);
      const f = first.get(slot);
      if (e === undefined) continue;
      if (f === undefined) first.set(slot, { node: n.id, entry: e, content: entryContent(e) });
      else if (f.content !== entryContent(e)) out.push(agreement(slot, f, n.id, e));
    }
    for (let slot = 0; slot < n.commit; slot += 1) {
      const e = vec.get(n.log, slot);
      if (e === undefined) continue;
      const content = entryContent(e);
      const ref = applied.get(slot);
      if (ref === undefined) applied.set(slot, { node: n.id, entry: e, content });
      else if (ref.content !== content) {
        out.push(violation('LogPrefixAgreement', slot, [ref.node, n.id], `node ${ref.node} applied ${entryLabel(ref.entry)} at slot ${slot}, node ${n.id} applied ${entryLabel(e)}`));
      }
    }
    for (let slot = 0; slot < n.votes.size; slot += 1) {
      const v = promiseKept(n, slot);
      if (v !== null) out.push(v);
    }
  }
  return out;
}

/** The same checks, incrementally: feed it states, messages and effects; ask `check` after each step. */
export class LearnedMonitor<Op> {
  private readonly first = new Map<number, { node: NodeId; entry: Entry<Op>; content: string }>();
  private readonly learnedCommands = new Set<string>();
  private readonly learnedBy = new Map<NodeId, Map<number, string>>();
  private readonly applied = new Map<NodeId, number>();
  private readonly nodes = new Map<NodeId, AnyState<Op>>();
  private votesTouched: { node: NodeId; slot: number }[] = [];
  readonly failed: Violation[] = [];

  state(s: AnyState<Op>): void {
    const before = this.nodes.get(s.id);
    this.nodes.set(s.id, s);
    if (before !== undefined && (s.commit < before.commit || s.log.size < before.log.size)) {
      for (const [slot, content] of this.learnedBy.get(s.id) ?? []) {
        const now = vec.get(s.log, slot);
        if (now === undefined || entryContent(now) !== content) this.failed.push(violation('ChosenIsStable', slot, [s.id], `node ${s.id} lost slot ${slot}`));
      }
    }
    // Every slot learned since the last look (the applied prefix, and learned slots above it):
    // compared with what was first learned there, and its commands counted as learned, even if
    // a crash between the step's persist and its sends lost the `chosen` effect.
    const from = this.applied.get(s.id) ?? 0;
    for (let slot = from; slot < s.log.size; slot += 1) {
      const e = vec.get(s.log, slot);
      if (e !== undefined) this.learnedAt(s.id, slot, e, slot < s.commit ? 'LogPrefixAgreement' : 'Agreement');
    }
    this.applied.set(s.id, Math.max(from, s.commit));
  }

  private learnedAt(node: NodeId, slot: number, entry: Entry<Op>, invariant: 'Agreement' | 'LogPrefixAgreement'): void {
    const content = entryContent(entry);
    const f = this.first.get(slot);
    if (f === undefined) this.first.set(slot, { node, entry, content });
    else if (f.content !== content) {
      this.failed.push(violation(invariant, slot, [f.node, node], `node ${f.node} learned ${entryLabel(f.entry)} at slot ${slot}, node ${node} learned ${entryLabel(entry)}`));
    }
    if (entry.kind === 'batch') for (const c of entry.commands) this.learnedCommands.add(commandKey(c));
  }

  message(m: MultiMessage<Op>): void {
    if (m.type === 'accepted') this.votesTouched.push({ node: m.from, slot: m.slot });
  }

  effect(node: NodeId, effect: MultiEffect<Op, unknown>): void {
    if (effect.type === 'local') this.message(effect.message);
    if (effect.type === 'chosen') {
      const content = entryContent(effect.value);
      this.learnedAt(node, effect.slot, effect.value, 'Agreement');
      const mine = this.learnedBy.get(node) ?? new Map<number, string>();
      mine.set(effect.slot, content);
      this.learnedBy.set(node, mine);
    } else if (isOkReply(effect) && !this.learnedCommands.has(commandKey(effect))) {
      this.failed.push(violation('AckImpliesChosen', -1, [node], `node ${node} acknowledged ${commandKey(effect)}, which no replica had learned`));
    }
  }

  /** True once any violation was seen. */
  violated(): boolean {
    for (const { node, slot } of this.votesTouched) {
      const s = this.nodes.get(node);
      const v = s === undefined ? null : promiseKept(s, slot);
      if (v !== null) this.failed.push(v);
    }
    this.votesTouched = [];
    return this.failed.length > 0;
  }
}
