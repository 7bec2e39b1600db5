/**
 * The safety checks that hold under every leader policy, Raft's included: the ones stated over
 * what replicas learned (committed), not over votes.
 *
 * Why not Voting.tla's `chosen` (a phase-2 quorum of votes in one ballot)? Under Raft it is not
 * what makes an entry committed. In the paper's Figure 8, an entry of an older term sits on a
 * majority (in our terms: a quorum voted for it in the new leader's ballot), yet it was never
 * committed, and a later leader legally overwrites it. Paxos would call that slot chosen and
 * the overwrite a violation of Agreement; Raft never promised to keep it. So for a side-by-side
 * run we check, under every policy:
 *
 * - `Agreement` (State Machine Safety): no two replicas ever learn different commands at one
 *   slot. Compared by the commands a slot applies (two no-ops of different terms apply
 *   nothing, so they agree).
 * - `LogPrefixAgreement`: the applied prefixes of any two replicas agree.
 * - `ChosenIsStable`: a replica never unlearns a slot, and its applied prefix never shrinks.
 * - `AckImpliesChosen`: a client is told "done" only for a command some replica learned.
 * - `PromiseKept`: a node never accepts in a ballot below the one it promised.
 */
import * as ballots from '../paxos/ballot';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { MultiEffect, MultiNodeState } from '../multipaxos/node';
import * as vec from '../core/vector';

export type SafetyInvariant = 'Agreement' | 'LogPrefixAgreement' | 'ChosenIsStable' | 'AckImpliesChosen' | 'PromiseKept';

export interface SafetyViolation {
  readonly invariant: SafetyInvariant;
  readonly slot: number;
  readonly nodes: readonly NodeId[];
  readonly description: string;
}

/** What a slot applies: its commands, without the term (which the state machine never sees). */
export function entryContent<Op>(e: Entry<Op>): string {
  return e.kind === 'noop' ? 'noop' : e.commands.map((c) => `${commandKey(c)}=${JSON.stringify(c.op)}`).join(',');
}

/** A short name for an entry in a table: `noop` or the command keys, with the term under Raft. */
export function entryLabel<Op>(e: Entry<Op>): string {
  const body = e.kind === 'noop' ? 'noop' : e.commands.map(commandKey).join('+');
  return e.term === undefined ? body : `${body}@t${ballots.format(e.term)}`;
}

type AnyState<Op> = MultiNodeState<unknown, Op, unknown>;

/**
 * Watches one run: feed it every effect a node produced (`effect`), then call `check` with
 * every node's state after the step. Violations accumulate; each is reported once.
 */
export class SafetyMonitor<Op> {
  /** slot -> the first learned entry there, and who learned it. */
  private readonly learned = new Map<number, { node: NodeId; entry: Entry<Op>; content: string }>();
  private readonly acked = new Map<string, NodeId>();
  private previous = new Map<NodeId, AnyState<Op>>();
  readonly violations: SafetyViolation[] = [];
  private readonly seen = new Set<string>();

  effect(node: NodeId, e: MultiEffect<Op, unknown>, states: ReadonlyMap<NodeId, AnyState<Op>>): void {
    switch (e.type) {
      case 'chosen': {
        const content = entryContent(e.value);
        const first = this.learned.get(e.slot);
        if (first === undefined) this.learned.set(e.slot, { node, entry: e.value, content });
        else if (first.content !== content) {
          this.report({
            invariant: 'Agreement',
            slot: e.slot,
            nodes: [first.node, node],
            description: `node ${first.node} learned ${entryLabel(first.entry)} at slot ${e.slot}, node ${node} learned ${entryLabel(e.value)}: the committed entry ${entryLabel(first.entry)} is lost`,
          });
        }
        return;
      }
      case 'reply':
        if (e.reply.status === 'ok') this.acked.set(commandKey(e), node);
        return;
      case 'send':
      case 'local':
        this.promiseKept(node, e.message, states.get(node));
        return;
      case 'persist':
      case 'stage':
      case 'applied':
        return;
      default:
        assertNever(e, 'effect');
    }
  }

  /** Checks every invariant against the nodes after one step. */
  check(states: ReadonlyMap<NodeId, AnyState<Op>>): void {
    for (const [id, now] of states) {
      const before = this.previous.get(id);
      if (before !== undefined) this.stable(id, before, now);
    }
    this.prefix(states);
    for (const [key, node] of this.acked) {
      const found = [...this.learned.values()].some((l) => l.entry.kind === 'batch' && l.entry.commands.some((c) => commandKey(c) === key));
      if (!found) this.report({ invariant: 'AckImpliesChosen', slot: -1, nodes: [node], description: `node ${node} acknowledged ${key}, which no replica learned` });
    }
    this.previous = new Map(states);
  }

  /** Every slot some replica learned: slot -> entry label. */
  committed(): Map<number, string> {
    return new Map([...this.learned].sort((a, b) => a[0] - b[0]).map(([slot, l]) => [slot, entryLabel(l.entry)]));
  }

  private promiseKept(node: NodeId, m: MultiMessage<Op>, s: AnyState<Op> | undefined): void {
    if (m.type !== 'accepted' || m.from !== node || s === undefined) return;
    if (ballots.less(m.ballot, s.promised)) {
      this.report({
        invariant: 'PromiseKept',
        slot: m.slot,
        nodes: [node],
        description: `node ${node} accepted slot ${m.slot} in ${ballots.format(m.ballot)}, below its promise ${ballots.format(s.promised)}`,
      });
    }
  }

  private stable(id: NodeId, before: AnyState<Op>, now: AnyState<Op>): void {
    if (now.commit < before.commit) {
      this.report({ invariant: 'ChosenIsStable', slot: now.commit, nodes: [id], description: `node ${id}'s applied log shrank from ${before.commit} to ${now.commit}` });
    }
    for (let slot = 0; slot < before.log.size; slot += 1) {
      const was = vec.get(before.log, slot);
      if (was === undefined) continue;
      const is = vec.get(now.log, slot);
      if (is === undefined || entryContent(is) !== entryContent(was)) {
        this.report({ invariant: 'ChosenIsStable', slot, nodes: [id], description: `node ${id} unlearned ${entryLabel(was)} at slot ${slot}` });
      }
    }
  }

  private prefix(states: ReadonlyMap<NodeId, AnyState<Op>>): void {
    const all = [...states.values()];
    for (const a of all) {
      for (const b of all) {
        if (a.id >= b.id) continue;
        for (let slot = 0; slot < Math.min(a.commit, b.commit); slot += 1) {
          const x = vec.get(a.log, slot);
          const y = vec.get(b.log, slot);
          if (x !== undefined && y !== undefined && entryContent(x) !== entryContent(y)) {
            this.report({
              invariant: 'LogPrefixAgreement',
              slot,
              nodes: [a.id, b.id],
              description: `node ${a.id} applied ${entryLabel(x)} at slot ${slot}, node ${b.id} applied ${entryLabel(y)}`,
            });
          }
        }
      }
    }
  }

  private report(v: SafetyViolation): void {
    const k = `${v.invariant}|${v.slot}|${v.nodes.join(',')}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.violations.push(v);
  }
}
