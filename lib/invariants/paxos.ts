/**
 * The single-decree snapshot: every node's state, every message ever sent (Paxos.tla's
 * `msgs`) and every value a client proposed. Drivers build one and hand it to `checkPaxos`.
 */
import type { Message } from '../paxos/messages';
import type { NodeState, PaxosConfig } from '../paxos/node';
import type { SlotView, Violation } from './voting';
import { checkSlot } from './voting';

export interface PaxosSnapshot<V> {
  readonly config: PaxosConfig;
  readonly nodes: readonly NodeState<V>[];
  readonly messages: readonly Message<V>[];
  readonly proposed: readonly V[];
}

export function slotView<V>(s: PaxosSnapshot<V>): SlotView<V> {
  const votes = [];
  const accepts = [];
  const promises = [];
  for (const m of s.messages) {
    if (m.type === 'accepted') votes.push({ acceptor: m.from, ballot: m.ballot, value: m.value });
    else if (m.type === 'accept') accepts.push({ from: m.from, ballot: m.ballot, value: m.value });
    else if (m.type === 'promise') promises.push({ acceptor: m.from, ballot: m.ballot, accepted: m.accepted });
  }
  const acceptors = [];
  const learned = [];
  for (const n of s.nodes) {
    if (n.acceptor !== null) acceptors.push({ id: n.id, promised: n.acceptor.promised, accepted: n.acceptor.accepted });
    if (n.learner?.chosen) learned.push({ learner: n.id, value: n.learner.chosen.value });
  }
  return { slot: s.config.slot, quorums: s.config.quorums, acceptors, votes, accepts, promises, proposed: s.proposed, learned };
}

/** Every single-decree invariant that fails in this snapshot (empty when all hold). */
export function checkPaxos<V>(s: PaxosSnapshot<V>): Violation[] {
  return checkSlot(slotView(s));
}
