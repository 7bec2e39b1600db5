/**
 * Effects: what a step asks its driver to do. They are data; nothing here performs IO.
 *
 * - `send`: put a message on the network.
 * - `persist`: make this role's durable record stable. The driver writes it before it lets any
 *   `send` of the same step leave the node; a promise that is not on disk is a lie.
 * - `stage`: a proposal reached a stage (proposed, quorum-acknowledged), for counters and traces.
 * - `chosen`: a learner learned the chosen value of a slot.
 */
import type { Ballot } from './ballot';
import type { Message, Vote } from './messages';

/** The part of an acceptor that must survive a crash: Paxos.tla's maxBal, maxVBal, maxVal. */
export interface AcceptorRecord<V> {
  readonly promised: Ballot;
  readonly accepted: Vote<V> | null;
}

/** The part of a proposer that must survive a crash: the highest ballot it has tried. */
export interface ProposerRecord {
  readonly ballot: Ballot;
}

export type Stage = 'proposed' | 'quorum-acknowledged' | 'chosen' | 'applied';

export type Effect<V> =
  | { readonly type: 'send'; readonly message: Message<V> }
  | { readonly type: 'persist'; readonly role: 'acceptor'; readonly record: AcceptorRecord<V> }
  | { readonly type: 'persist'; readonly role: 'proposer'; readonly record: ProposerRecord }
  | {
      readonly type: 'stage';
      readonly stage: Exclude<Stage, 'chosen' | 'applied'>;
      readonly slot: number;
      readonly ballot: Ballot | null;
      readonly value: V;
    }
  | { readonly type: 'chosen'; readonly slot: number; readonly ballot: Ballot; readonly value: V };

export function send<V>(message: Message<V>): Effect<V> {
  return { type: 'send', message };
}
