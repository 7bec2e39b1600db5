/**
 * One readable line per message, the way the demo, traces and counterexamples print them:
 * `harbor-2 -> harbor-1 : accept slot 812 ballot 41.2 = #8841`.
 */
import * as ballots from './ballot';
import type { Message, Vote } from './messages';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';

export type NameOf = (node: NodeId) => string;

export const plainName: NameOf = (node) => `n${node}`;

export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function showVote<V>(vote: Vote<V> | null): string {
  return vote === null ? 'accepted nothing' : `accepted ${ballots.format(vote.ballot)} = ${showValue(vote.value)}`;
}

/** The message's content without its route. */
export function describeMessage<V>(m: Message<V>): string {
  const head = `${m.type} slot ${m.slot} ballot ${ballots.format(m.ballot)}`;
  switch (m.type) {
    case 'prepare':
      return head;
    case 'promise':
      return `${head} (${showVote(m.accepted)})`;
    case 'accept':
    case 'accepted':
      return `${head} = ${showValue(m.value)}`;
    case 'rejected':
      return `${head} (promised ${ballots.format(m.promised)})`;
    default:
      return assertNever(m, 'message');
  }
}

export function formatMessage<V>(m: Message<V>, name: NameOf = plainName): string {
  return `${name(m.from)} -> ${name(m.to)} : ${describeMessage(m)}`;
}
