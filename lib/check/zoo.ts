/**
 * The bug zoo as the checker sees it: a registry of named broken variants, each with what it
 * breaks, the protocol it belongs to, the smallest configuration at which the checker catches
 * it, and a runner. Registered here: the single-decree mutants (lib/zoo/paxos.ts), the Multi-Paxos mutants
 * (lib/zoo/multipaxos.ts, at the configurations of lib/check/multipaxos.ts) and the Raft
 * mutants (lib/zoo/raft.ts, at the configurations of lib/check/raft.ts); `registerMutant` takes entries of any protocol.
 */
import { PAXOS_MUTANTS } from '../zoo/paxos';
import { raftZooEntries } from './raft';
import type { PaxosMutant } from '../zoo/paxos';
import type { ZooEntry } from './report';
import { checkSingleDecreeOrThrow, describeConfig } from './report';
import { multiPaxosReadZooEntries, multiPaxosZooEntries } from './multipaxos';

export type { ZooEntry } from './report';

const registry: ZooEntry[] = [];

/** Adds a mutant to the zoo; names are unique across protocols. */
export function registerMutant(entry: ZooEntry): void {
  if (registry.some((e) => e.name === entry.name)) throw new Error(`synod: the zoo already has a mutant named ${entry.name}`);
  registry.push(entry);
}

export function zooEntries(): readonly ZooEntry[] {
  return registry;
}

export function zooEntry(name: string): ZooEntry | undefined {
  return registry.find((e) => e.name === name);
}

/** A single-decree mutant as a zoo entry. */
export function paxosZooEntry(m: PaxosMutant): ZooEntry {
  const config = m.smallest;
  const prefix = config.prefix === undefined ? {} : { prefix: config.prefix };
  return {
    name: m.name,
    breaks: m.breaks,
    protocol: 'single-decree',
    get smallest(): string {
      return describeConfig({
        ...config,
        phase1: m.quorums?.phase1 ?? Math.floor(config.acceptors / 2) + 1,
        phase2: m.quorums?.phase2 ?? Math.floor(config.acceptors / 2) + 1,
        down: [],
        topology: 'colocated',
        symmetry: false,
        pruneObsolete: false,
        normalize: false,
        mutant: null,
        search: 'bfs',
        prefix: config.prefix?.length ?? 0,
      });
    },
    run: (options = {}) => checkSingleDecreeOrThrow({ ...config, mutant: m.name }, { ...options, ...prefix }),
    // The correct code in the same configuration: the real roles, and majority quorums for
    // the mutant whose bug is its quorum sizes; from the same directed start, if there is one;
    // without the reductions, which hold for the real roles only, so the two runs explore alike.
    control: (options = {}) => checkSingleDecreeOrThrow({ ...config, pruneObsolete: false, normalize: false }, { ...options, ...prefix }),
  };
}

for (const m of PAXOS_MUTANTS) registerMutant(paxosZooEntry(m));

for (const e of multiPaxosZooEntries()) registerMutant(e);

/** The Raft mutants (lib/zoo/raft.ts) at the configurations of lib/check/raft.ts. */
for (const e of raftZooEntries()) registerMutant(e);

/**
 * The read mutants the checker catches with ReadsLinearizable (lib/check/multipaxos.ts
 * `multiPaxosReadZooEntries`), kept out of the registry above: every registered mutant has a
 * counterexample the browser replays, and the browser's trace format has no reads yet.
 * `npm run proofs` runs them with the registry.
 */
export function readZooEntries(): readonly ZooEntry[] {
  return multiPaxosReadZooEntries();
}
