/**
 * Test helpers for single-decree Paxos: a Harbor Point cluster, message matchers, random
 * schedules for property tests, and the invariant snapshot of a cluster.
 */
import fc from 'fast-check';
import { Cluster } from '../../lib/harness/cluster';
import type { PaxosSnapshot } from '../../lib/invariants/paxos';
import { checkPaxos } from '../../lib/invariants/paxos';
import type { Violation } from '../../lib/invariants/voting';
import type { Effect } from '../../lib/paxos/effects';
import type { Message, MessageType } from '../../lib/paxos/messages';
import type { NodeRecord, NodeState, PaxosConfig, Roles } from '../../lib/paxos/node';
import { paxosProtocol } from '../../lib/paxos/node';
import { quorumSystemOrThrow } from '../../lib/paxos/quorum';
import type { NodeId } from '../../lib/core/types';

export type PaxosCluster = Cluster<NodeState<string>, Message<string>, Effect<string>, NodeRecord<string>, string>;

export const A = '#8841';
export const B = '#8849';

export function config(overrides: Partial<PaxosConfig> = {}): PaxosConfig {
  return {
    slot: 812,
    quorums: quorumSystemOrThrow({ acceptors: [1, 2, 3] }),
    proposers: [2, 3],
    learners: [1, 2, 3],
    startRound: 40,
    ...overrides,
  };
}

export function cluster(roles?: Roles<string>, overrides: Partial<PaxosConfig> = {}): PaxosCluster {
  return clusterWith(config(overrides), roles);
}

/** Matches messages by type, sender and receiver (any when omitted). */
export function msg(type: MessageType, from?: NodeId, to?: NodeId): (m: Message<string>) => boolean {
  return (m) => m.type === type && (from === undefined || m.from === from) && (to === undefined || m.to === to);
}

export function snapshot(c: PaxosCluster): PaxosSnapshot<string> {
  return { config: configOf(c), nodes: [...c.states.values()], messages: c.sent, proposed: c.requests };
}

const configs = new WeakMap<PaxosCluster, PaxosConfig>();
function configOf(c: PaxosCluster): PaxosConfig {
  return configs.get(c) ?? config();
}

/** A cluster whose invariant snapshot uses the given configuration. */
export function clusterWith(conf: PaxosConfig, roles?: Roles<string>): PaxosCluster {
  const c: PaxosCluster = new Cluster(paxosProtocol<string>(conf, roles));
  configs.set(c, conf);
  return c;
}

export function violations(c: PaxosCluster): Violation[] {
  return checkPaxos(snapshot(c));
}

/** Every value learned by some learner. */
export function learned(c: PaxosCluster): string[] {
  return [...c.states.values()].flatMap((s) => (s.learner?.chosen ? [s.learner.chosen.value] : []));
}

/** One step of a random schedule. Picks are reduced modulo what is available. */
export type Op =
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number }
  | { readonly kind: 'timeout'; readonly node: NodeId }
  | { readonly kind: 'crash'; readonly node: NodeId }
  | { readonly kind: 'restart'; readonly node: NodeId };

export function ops(nodes: readonly NodeId[], faults: boolean): fc.Arbitrary<Op[]> {
  const node = fc.constantFrom(...nodes);
  const pick = fc.nat(1000);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: pick.map((p): Op => ({ kind: 'deliver', pick: p })), weight: 12 },
    { arbitrary: node.map((n): Op => ({ kind: 'timeout', node: n })), weight: 3 },
    ...(faults
      ? [
          { arbitrary: pick.map((p): Op => ({ kind: 'drop', pick: p })), weight: 2 },
          { arbitrary: pick.map((p): Op => ({ kind: 'duplicate', pick: p })), weight: 2 },
          { arbitrary: node.map((n): Op => ({ kind: 'crash', node: n })), weight: 1 },
          { arbitrary: node.map((n): Op => ({ kind: 'restart', node: n })), weight: 1 },
        ]
      : []),
  );
  return fc.array(op, { minLength: 1, maxLength: 120 });
}

/** Applies one op; ops that do not apply (nothing in flight, node not down) do nothing. */
export function apply(c: PaxosCluster, op: Op): void {
  const inFlight = c.inFlight;
  switch (op.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate': {
      const m = inFlight[op.pick % Math.max(1, inFlight.length)];
      if (m === undefined) return;
      if (op.kind === 'drop') c.drop((x) => x === m);
      else c.deliver((x) => x === m, { keep: op.kind === 'duplicate' });
      return;
    }
    case 'timeout':
      if (c.isUp(op.node)) c.timeout(op.node);
      return;
    case 'crash':
      if (c.isUp(op.node)) c.crash(op.node);
      return;
    case 'restart':
      if (!c.isUp(op.node)) c.restart(op.node);
      return;
  }
}

/**
 * After any schedule: restart everyone, then let proposer 2 alone (the distinguished proposer
 * of section 2.4) retry with reliable delivery until every learner has learned.
 */
export function settle(c: PaxosCluster, proposer: NodeId = 2): void {
  for (const id of [...c.down]) c.restart(id);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    c.deliverAll();
    if ([...c.states.values()].every((s) => s.learner === null || s.learner.chosen !== null)) return;
    if (c.state(proposer).proposer?.value === null) c.request(proposer, A);
    else c.timeout(proposer);
  }
}

/** The proposer proposes; its prepares and the promises run to completion (phase 1 done). */
export function phase1(c: PaxosCluster, proposer: NodeId = 2, value: string = A): void {
  c.request(proposer, value);
  c.deliverAll(msg('prepare', proposer));
  c.deliverAll(msg('promise', undefined, proposer));
}
