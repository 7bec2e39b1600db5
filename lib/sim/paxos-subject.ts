/**
 * Single-decree Paxos as a simulation subject.
 *
 * The cluster for `--nodes N`: nodes 1..N, every node an acceptor and a learner, and the first
 * min(N, 3) nodes proposers (`proposers` overrides it). Why three: one proposer never duels,
 * so it would leave the interesting schedules (a higher ballot overtaking a lower one, a
 * proposer adopting a value it did not propose) untested; two duel; three duel in more shapes
 * (a third ballot landing between two others) while still converging quickly once the network
 * heals. Clients send values only to proposers: a request to a non-proposer is ignored, and a
 * client that talks to nobody tests nothing.
 *
 * Values are strings `c<client>.<k>` (client 2's fourth command is `c2.3`), distinct per
 * command as Validity needs. The slot is 1.
 */
import { checkPaxos } from '../invariants/paxos';
import type { Effect } from '../paxos/effects';
import { formatMessage } from '../paxos/format';
import * as ballots from '../paxos/ballot';
import type { Message } from '../paxos/messages';
import type { NodeRecord, NodeState, PaxosConfig, Roles } from '../paxos/node';
import { paxosProtocol, realRoles } from '../paxos/node';
import { quorumSystem } from '../paxos/quorum';
import { assertNever } from '../core/types';
import { countChosen, PaxosMonitor } from './paxos-monitor';
import type { Snapshot, StageEvent, Subject } from './subject';

export type PaxosSubject = Subject<NodeState<string>, Message<string>, Effect<string>, NodeRecord<string>, string>;

export interface PaxosSubjectOptions {
  readonly nodes: number;
  /** How many proposers (nodes 1..k); default min(nodes, 3). */
  readonly proposers?: number;
  /** Broken roles from the bug zoo; the real ones by default. */
  readonly roles?: Roles<string>;
  /** Quorum sizes (the bug zoo's non-intersecting variant); majorities by default. */
  readonly quorums?: { readonly phase1: number; readonly phase2: number };
}

export const DEFAULT_PROPOSERS = 3;

export function paxosConfig(options: PaxosSubjectOptions): PaxosConfig {
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const proposers = options.proposers ?? Math.min(options.nodes, DEFAULT_PROPOSERS);
  if (!Number.isInteger(proposers) || proposers < 1 || proposers > options.nodes) {
    throw new Error(`synod: proposers must be a whole number from 1 to ${options.nodes}, got ${proposers}`);
  }
  const result = quorumSystem({
    acceptors: ids,
    ...(options.quorums === undefined ? {} : options.quorums),
    allowNonIntersecting: options.quorums !== undefined,
  });
  if (!result.ok) throw new Error(`synod: ${result.error}`);
  return { slot: 1, quorums: result.quorums, proposers: ids.slice(0, proposers), learners: ids };
}

function snapshotOf(config: PaxosConfig, s: Snapshot<NodeState<string>, Message<string>, Effect<string>, string>) {
  return { config, nodes: s.nodes, messages: s.messages, proposed: s.commands };
}

export function paxosSubject(options: PaxosSubjectOptions): PaxosSubject {
  const config = paxosConfig(options);
  const protocol = paxosProtocol<string>(config, options.roles ?? realRoles<string>());
  return {
    protocol,
    targets: config.proposers,
    command: (client, k) => `c${client}.${k}`,
    check: (s) => checkPaxos(snapshotOf(config, s)),
    monitor: () => new PaxosMonitor<string>(config, protocol.nodes),
    decided: (nodes) => (nodes.some((n) => n.learner?.chosen != null) ? 1 : 0),
    settled: (nodes) => nodes.some((n) => n.learner?.chosen != null),
    chosen: (s) => (countChosen(s.messages, config.quorums.phase2) > 0 ? 1 : 0),
    stage: (_node, e) => stageOf(e),
    describe: (m) => formatMessage(m),
  };
}

function stageOf(e: Effect<string>): StageEvent | null {
  switch (e.type) {
    case 'stage':
      return e.ballot === null
        ? { stage: e.stage, slot: e.slot, value: e.value }
        : { stage: e.stage, slot: e.slot, value: e.value, ballot: ballots.format(e.ballot) };
    case 'chosen':
      return { stage: 'chosen', slot: e.slot, value: e.value, ballot: ballots.format(e.ballot) };
    case 'send':
    case 'persist':
      return null;
    default:
      return assertNever(e, 'effect');
  }
}
