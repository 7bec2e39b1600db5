/**
 * Ballots: Lamport's proposal numbers.
 *
 * "Different proposers choose their numbers from disjoint sets of numbers" (Paxos Made Simple,
 * section 2.3). A ballot is a round paired with the id of the node that owns it, ordered by
 * round and then by node, so two proposers can never issue the same ballot. Paxos.tla calls
 * it `b` (a member of `Ballot`); Raft calls the round a term.
 */
import type { NodeId } from '../core/types';

export interface Ballot {
  readonly round: number;
  readonly node: NodeId;
}

/** The ballot below every real one: an acceptor that has promised nothing has promised this. */
export const ZERO: Ballot = Object.freeze({ round: 0, node: 0 });

/** Negative if a < b, zero if equal, positive if a > b: round first, then node. */
export function compare(a: Ballot, b: Ballot): number {
  return a.round !== b.round ? a.round - b.round : a.node - b.node;
}

export function equals(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

export function less(a: Ballot, b: Ballot): boolean {
  return compare(a, b) < 0;
}

export function max(a: Ballot, b: Ballot): Ballot {
  // Stryker disable next-line EqualityOperator: ballots that compare equal are the same ballot, so either one is the max
  return compare(a, b) >= 0 ? a : b;
}

/** The ballot `node` uses next: a round above every ballot it has seen, owned by `node`. */
export function next(seen: Ballot, node: NodeId): Ballot {
  if (!Number.isInteger(node) || node <= 0) {
    throw new Error(`synod: a ballot belongs to a node id >= 1, got ${node}`);
  }
  return { round: seen.round + 1, node };
}

/** `41.2`: round 41 of node 2. */
export function format(b: Ballot): string {
  return `${b.round}.${b.node}`;
}

/** A plain copy, for messages and persisted records. */
export function of(round: number, node: NodeId): Ballot {
  return { round, node };
}
