/**
 * The Harbor Point cluster the experiments share: slot 812, acceptors (and learners)
 * harbor-1..3, proposers harbor-2 (terminal A, booking #8841) and harbor-3 (terminal B,
 * booking #8849), ballots from round 41. Every invariant is checked after every event, and
 * each violation is kept with the index of the event that caused it.
 */
import { Cluster, invariants, paxos } from '../../lib/index';

export const A = '#8841';
export const B = '#8849';

export type HarborCluster = Cluster<paxos.NodeState<string>, paxos.Message<string>, paxos.Effect<string>, paxos.NodeRecord<string>, string>;

export interface Harbor {
  readonly config: paxos.PaxosConfig;
  readonly cluster: HarborCluster;
  /** Every violation, with the number of events the cluster had emitted when it appeared. */
  readonly violations: { readonly event: number; readonly violation: invariants.Violation }[];
  /** A client hands `value` to proposer `node`. */
  propose(node: number, value: string): void;
  /** What each node has learned for slot 812, by node (null: nothing yet). */
  learned(): (string | null)[];
}

export interface HarborOptions {
  /** Broken roles from the zoo (`synod/zoo`); the real ones by default. */
  readonly roles?: paxos.Roles<string>;
  /** Quorum sizes; majorities by default. Sizes that do not intersect are allowed here. */
  readonly phase1?: number;
  readonly phase2?: number;
}

export function harbor(options: HarborOptions = {}): Harbor {
  const quorums = paxos.quorumSystemOrThrow({
    acceptors: [1, 2, 3],
    ...(options.phase1 === undefined ? {} : { phase1: options.phase1 }),
    ...(options.phase2 === undefined ? {} : { phase2: options.phase2 }),
    allowNonIntersecting: true,
  });
  const config: paxos.PaxosConfig = { slot: 812, quorums, proposers: [2, 3], learners: [1, 2, 3], startRound: 40 };
  const cluster: HarborCluster = new Cluster(paxos.paxosProtocol(config, options.roles));
  const proposed: string[] = [];
  const violations: Harbor['violations'][number][] = [];
  const seen = new Set<string>();
  cluster.on(() => {
    const found = invariants.checkPaxos({ config, nodes: [...cluster.states.values()], messages: cluster.sent, proposed });
    for (const violation of found) {
      // A broken state stays broken: keep each violation once, at the event that caused it.
      if (seen.has(violation.description)) continue;
      seen.add(violation.description);
      violations.push({ event: cluster.events.length, violation });
    }
  });
  return {
    config,
    cluster,
    violations,
    propose(node, value) {
      proposed.push(value);
      cluster.request(node, value);
    },
    learned: () => [1, 2, 3].map((id) => cluster.state(id).learner?.chosen?.value ?? null),
  };
}

/** Matches messages by type, sender and receiver (any, when left out). */
export function msg(type: paxos.MessageType, from?: number, to?: number): (m: paxos.Message<string>) => boolean {
  return (m) => m.type === type && (from === undefined || m.from === from) && (to === undefined || m.to === to);
}
