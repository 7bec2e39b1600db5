/**
 * `ReadsLinearizable`: a read answered outside the log (read-index, lease) is linearizable
 * against the chosen log.
 *
 * The log orders every write; a write takes effect at its slot. A read answered from a
 * replica's state machine is linearizable when its result is the result the read would have
 * had at some point of that order which lies between the read's invocation and its reply:
 *
 * - **not too old**: the prefix applied includes every command a client was told was done
 *   before the read was invoked. The bound is the *reply*, not the choice: a command whose slot
 *   is chosen but whose client has not heard back is still concurrent with the read, and the
 *   read may be ordered before it (a read-index leader that has not yet counted the last
 *   acceptance of a slot rightly answers without it). A command acknowledged before the read
 *   began precedes it in real time, and a read that misses it is stale: the Consul bug.
 * - **not from the future**: the prefix is chosen (a contiguous run of slots each chosen by a
 *   phase-2 quorum of votes in one ballot, counted from the messages, as `AckImpliesChosen`
 *   counts them). A replica only applies chosen slots, so a read served at the reply holds a
 *   prefix chosen by then; the predicate is checked in every state, and the chosen prefix only
 *   grows, so once true for a read it stays true.
 *
 * Concretely: with `lo` one past the highest slot holding a command acknowledged before the
 * invocation and `K` the length of the chosen prefix, some `k` with `lo <= k <= K` gives the
 * read's result when its operation is applied to the state after slots `0..k-1` (applied with
 * the replica's sessions, so a command chosen twice counts once). The predicate reads the
 * messages and what was acknowledged at invocation, never a node's belief.
 */
import * as ballots from '../paxos/ballot';
import type { QuorumSystem } from '../paxos/quorum';
import type { NodeId } from '../core/types';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import { commandKey } from '../machine/command';
import type { StateMachine } from '../machine/replica';
import { applyBatch, initReplica } from '../machine/replica';
import type { Violation } from './voting';

/** A read a node answered "ok" outside the log. */
export interface ServedRead<Op, R> {
  readonly node: NodeId;
  readonly client: string;
  readonly seq: number;
  readonly op: Op;
  readonly result: R;
  /** The commands (`commandKey`) some client had been told were done when the read was invoked. */
  readonly after: readonly string[];
}

export interface ReadsSnapshot<S, Op, R> {
  readonly quorums: QuorumSystem;
  readonly machine: StateMachine<S, Op, R>;
  /** Every message ever sent, and every promise and vote a node handed itself. */
  readonly messages: readonly MultiMessage<Op>[];
  readonly reads: readonly ServedRead<Op, R>[];
}

const key = (v: unknown): string => JSON.stringify(v);

/** The chosen log as far as it is contiguous from slot 0: slot i's chosen value at index i. */
export function chosenPrefix<Op>(quorums: QuorumSystem, messages: readonly MultiMessage<Op>[]): Entry<Op>[] {
  const tallies = new Map<string, Set<NodeId>>();
  const chosen = new Map<number, Entry<Op>>();
  for (const m of messages) {
    if (m.type !== 'accepted' || chosen.has(m.slot)) continue;
    const k = `${m.slot}|${ballots.format(m.ballot)}|${key(m.value)}`;
    const voters = tallies.get(k) ?? new Set<NodeId>();
    voters.add(m.from);
    tallies.set(k, voters);
    if (voters.size >= quorums.phase2) chosen.set(m.slot, m.value);
  }
  const out: Entry<Op>[] = [];
  for (let slot = 0; chosen.has(slot); slot += 1) out.push(chosen.get(slot)!);
  return out;
}

/** ReadsLinearizable (see the module comment): null, or the first read that no point of the chosen order explains. */
export function readsLinearizable<S, Op, R>(s: ReadsSnapshot<S, Op, R>): Violation | null {
  if (s.reads.length === 0) return null;
  const log = chosenPrefix(s.quorums, s.messages);
  for (const read of s.reads) {
    let lo = 0;
    for (const done of read.after) {
      const slot = log.findIndex((e) => e.kind === 'batch' && e.commands.some((c) => commandKey(c) === done));
      if (slot < 0) return violation(read, `${done} was acknowledged before the read was invoked, but it is in no slot of the chosen prefix 0..${log.length - 1}`);
      lo = Math.max(lo, slot + 1);
    }
    const want = key(read.result);
    const seen: string[] = [];
    let replica = initReplica(s.machine);
    let explained = false;
    for (let k = 0; k <= log.length && !explained; k += 1) {
      if (k >= lo) {
        const got = key(s.machine.apply(replica.machine, read.op).result);
        if (got === want) explained = true;
        else if (!seen.includes(got)) seen.push(got);
      }
      const e = log[k];
      if (e !== undefined && e.kind === 'batch') replica = applyBatch(s.machine, replica, e.commands).replica;
    }
    if (!explained) {
      const acked = read.after.length === 0 ? 'no command acknowledged before it' : `${read.after.join(', ')} acknowledged before it`;
      return violation(read, `with ${acked}, a linearizable answer after slots 0..${lo - 1} and up to the chosen prefix 0..${log.length - 1} is ${seen.join(' or ')}`);
    }
  }
  return null;
}

function violation<Op, R>(read: ServedRead<Op, R>, why: string): Violation {
  return {
    invariant: 'ReadsLinearizable',
    slot: -1,
    ballots: [],
    nodes: [read.node],
    description: `node ${read.node} answered read ${read.client}#${read.seq} ${key(read.op)} with ${key(read.result)}; ${why}`,
  };
}
