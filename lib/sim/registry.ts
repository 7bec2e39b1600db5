/**
 * The protocols `synod sim --protocol <name>` can run. Each entry builds a `Subject` from the
 * cluster size (and, where the protocol has one, a broken variant from the bug zoo).
 *
 * To add a protocol (the Multi-Paxos layer, for one): implement `Subject` (./subject.ts) and
 * add one entry to `BUILT_IN` below; the CLI, its argument checks, `reproduce` and the
 * summaries pick it up from here.
 */
import type { Roles } from '../paxos/node';
import { paxosMutant, PAXOS_MUTANTS } from '../zoo/paxos';
import { paxosSubject } from './paxos-subject';
import type { ReadChoice } from './multipaxos-subject';
import { multiPaxosSubject } from './multipaxos-subject';
import { MULTIPAXOS_MUTANTS } from '../zoo/multipaxos';
import type { AnySubject } from './subject';
import { raftSubject } from './raft-subject';
import { RAFT_MUTANTS, RAFT_READ_MUTANTS } from '../zoo/raft';

export interface SubjectOptions {
  readonly nodes: number;
  /** How many of the nodes propose (or may lead); the protocol's default when absent. */
  readonly proposers?: number;
  /** A broken variant by name, from the protocol's bug zoo. */
  readonly mutant?: string;
  /** How clients read (multipaxos, raft): log, read-index, lease, follower or mix. */
  readonly reads?: ReadChoice;
  /** The clock-drift bound leases rest on (multipaxos, raft, with lease or mix reads). */
  readonly driftBound?: number;
  /** Log compaction every this many applied slots (multipaxos only). */
  readonly snapshotEvery?: number;
}

function noSnapshots(name: string, options: SubjectOptions): void {
  if (options.snapshotEvery !== undefined) throw new Error(`${name}: --snapshot-every applies to multipaxos only`);
}

export interface SubjectEntry {
  readonly name: string;
  readonly description: string;
  /** The smallest cluster it runs. */
  readonly minNodes: number;
  /** Names of its broken variants (empty if it has none). */
  readonly mutants: readonly string[];
  /** Throws an Error with a one-line message when the options do not fit. */
  build(options: SubjectOptions): AnySubject;
}

export const singleDecree: SubjectEntry = {
  name: 'single-decree',
  description: 'single-decree Paxos: every node an acceptor and learner, the first min(N, 3) proposers',
  minNodes: 1,
  mutants: PAXOS_MUTANTS.map((m) => m.name),
  build(options) {
    noSnapshots('single-decree', options);
    if (options.reads !== undefined && options.reads !== 'log') throw new Error('single-decree: one decree has no reads; --reads takes log only');
    if (options.mutant === undefined) return paxosSubject({ nodes: options.nodes, ...proposers(options) }) as AnySubject;
    const mutant = paxosMutant(options.mutant);
    if (mutant === undefined) throw new Error(`unknown single-decree mutant '${options.mutant}'`);
    const roles: Roles<string> = mutant.roles<string>();
    return paxosSubject({
      nodes: options.nodes,
      ...proposers(options),
      roles,
      ...(mutant.quorums === undefined ? {} : { quorums: mutant.quorums }),
    }) as AnySubject;
  },
};

function proposers(options: SubjectOptions): { proposers?: number } {
  return options.proposers === undefined ? {} : { proposers: options.proposers };
}

export const multiPaxos: SubjectEntry = {
  name: 'multipaxos',
  description: 'Multi-Paxos with a stable leader: every node an acceptor, a potential leader and a key-value replica',
  // With one node a slot is chosen by the leader's own vote, which is never a message: a crash
  // inside that step would leave the message-based checks (AckImpliesChosen) nothing to count.
  minNodes: 2,
  mutants: MULTIPAXOS_MUTANTS.map((m) => m.name),
  build(options) {
    if (options.proposers !== undefined) throw new Error('multipaxos: every node may lead; --proposers does not apply');
    return multiPaxosSubject({
      nodes: options.nodes,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
      ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
      ...(options.reads === undefined ? {} : { reads: options.reads }),
      ...(options.driftBound === undefined ? {} : { driftBound: options.driftBound }),
    }) as AnySubject;
  },
};

export const raft: SubjectEntry = {
  name: 'raft',
  description: 'Raft as itself (Figure 2 of the Raft paper): every server a potential leader and a key-value replica',
  minNodes: 1,
  mutants: [...RAFT_MUTANTS, ...RAFT_READ_MUTANTS].map((m) => m.name),
  build(options) {
    if (options.proposers !== undefined) throw new Error('raft: every server may lead; --proposers does not apply');
    noSnapshots('raft', options);
    return raftSubject({
      nodes: options.nodes,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
      ...(options.reads === undefined ? {} : { reads: options.reads }),
      ...(options.driftBound === undefined ? {} : { driftBound: options.driftBound }),
    }) as AnySubject;
  },
};

const BUILT_IN: SubjectEntry[] = [singleDecree, multiPaxos, raft];

const entries = new Map<string, SubjectEntry>(BUILT_IN.map((e) => [e.name, e]));

/** Adds (or replaces) a protocol, for layers that register themselves at start-up. */
export function registerSubject(entry: SubjectEntry): void {
  entries.set(entry.name, entry);
}

export function subjectNames(): string[] {
  return [...entries.keys()];
}

export function subjectEntry(name: string): SubjectEntry | undefined {
  return entries.get(name);
}
