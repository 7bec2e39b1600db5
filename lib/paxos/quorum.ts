/**
 * Quorums.
 *
 * Paxos is safe because any two quorums that matter intersect: every phase-1 quorum (the
 * acceptors whose promises a proposer gathers) meets every phase-2 quorum (the acceptors whose
 * acceptances choose a value). Majorities of n meet each other. Flexible Paxos (Howard,
 * Malkhi and Spiegelman, 2016) only needs the phase-1 and phase-2 quorums to meet, so with
 * threshold quorums the rule is `phase1 + phase2 > n`.
 */
import type { NodeId } from '../core/types';

export interface QuorumSystem {
  readonly acceptors: readonly NodeId[];
  /** How many promises start phase 2. */
  readonly phase1: number;
  /** How many acceptances of one ballot choose a value. */
  readonly phase2: number;
}

export interface QuorumOptions {
  readonly acceptors: readonly NodeId[];
  readonly phase1?: number;
  readonly phase2?: number;
  /** For experiments only: build a system whose quorums need not meet (it is unsafe). */
  readonly allowNonIntersecting?: boolean;
}

export type QuorumResult =
  | { readonly ok: true; readonly quorums: QuorumSystem }
  | { readonly ok: false; readonly error: string };

/** The size of a majority of n acceptors. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** True when every phase-1 quorum meets every phase-2 quorum. */
export function intersects(q: QuorumSystem): boolean {
  return q.phase1 + q.phase2 > q.acceptors.length;
}

/**
 * Builds a quorum system; majorities by default. A system whose phase-1 and phase-2 quorums
 * can miss each other is refused unless `allowNonIntersecting` is set.
 */
export function quorumSystem(options: QuorumOptions): QuorumResult {
  const acceptors = [...options.acceptors];
  const n = acceptors.length;
  if (n === 0) return { ok: false, error: 'a quorum system needs at least one acceptor' };
  if (new Set(acceptors).size !== n) {
    return { ok: false, error: `acceptor ids repeat: ${acceptors.join(', ')}` };
  }
  const phase1 = options.phase1 ?? majority(n);
  const phase2 = options.phase2 ?? majority(n);
  for (const [name, size] of [['phase-1', phase1], ['phase-2', phase2]] as const) {
    if (!Number.isInteger(size) || size < 1 || size > n) {
      return { ok: false, error: `${name} quorum size must be a whole number from 1 to ${n}, got ${size}` };
    }
  }
  const quorums: QuorumSystem = { acceptors, phase1, phase2 };
  if (!intersects(quorums) && options.allowNonIntersecting !== true) {
    return {
      ok: false,
      error:
        `quorums do not intersect: a phase-1 quorum of ${phase1} and a phase-2 quorum of ${phase2} ` +
        `can miss each other among ${n} acceptors (need phase1 + phase2 > ${n})`,
    };
  }
  return { ok: true, quorums };
}

/** Like `quorumSystem`, for configurations known to be valid; throws on a bad one. */
export function quorumSystemOrThrow(options: QuorumOptions): QuorumSystem {
  const result = quorumSystem(options);
  if (!result.ok) throw new Error(`synod: ${result.error}`);
  return result.quorums;
}

/** Majority quorums over acceptors 1..n. */
export function majorities(n: number): QuorumSystem {
  return quorumSystemOrThrow({ acceptors: Array.from({ length: n }, (_, i) => i + 1) });
}

export function isAcceptor(q: QuorumSystem, node: NodeId): boolean {
  return q.acceptors.includes(node);
}
