/**
 * A node of single-decree Paxos: the three roles of the paper hosted by one process.
 *
 * "In an implementation, each process plays the roles of proposer, acceptor and learner"
 * (Paxos Made Simple, section 2.4). This module only routes: prepares and accepts go to the
 * acceptor; promises and rejections to the proposer; acceptances to the proposer and the
 * learner. It holds no protocol logic of its own. The roles it calls can be swapped (the bug
 * zoo does), so broken variants run through the same routing as the real code.
 */
import type { Protocol } from '../core/protocol';
import * as acceptor from './acceptor';
import type { AcceptorState, AcceptorStep } from './acceptor';
import type { Ballot } from './ballot';
import type { AcceptorRecord, Effect, ProposerRecord } from './effects';
import * as learner from './learner';
import type { LearnerState, LearnerStep } from './learner';
import type { Message } from './messages';
import * as proposer from './proposer';
import type { ProposerState, ProposerStep } from './proposer';
import type { QuorumSystem } from './quorum';
import type { NodeId, Step } from '../core/types';
import { assertNever } from '../core/types';

export interface PaxosConfig {
  /** The slot this instance decides (812 in the Harbor Point example). */
  readonly slot: number;
  readonly quorums: QuorumSystem;
  readonly proposers: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Rounds already used before this run (a cluster that has been up a while); default 0. */
  readonly startRound?: number;
}

export interface NodeState<V> {
  readonly id: NodeId;
  readonly acceptor: AcceptorState<V> | null;
  readonly proposer: ProposerState<V> | null;
  readonly learner: LearnerState<V> | null;
}

export interface NodeRecord<V> {
  readonly acceptor?: AcceptorRecord<V>;
  readonly proposer?: ProposerRecord;
}

export type NodeInput<V> =
  | { readonly type: 'receive'; readonly message: Message<V> }
  | { readonly type: 'propose'; readonly value: V }
  | { readonly type: 'timeout' };

export type NodeStep<V> = Step<NodeState<V>, Effect<V>>;

/** The handlers a node calls. `realRoles` is the paper; the bug zoo supplies broken ones. */
export interface Roles<V> {
  readonly acceptor: (s: AcceptorState<V>, m: Message<V>) => AcceptorStep<V>;
  readonly proposer: (s: ProposerState<V>, m: Message<V>) => ProposerStep<V>;
  readonly propose: (s: ProposerState<V>, value: V) => ProposerStep<V>;
  readonly timeout: (s: ProposerState<V>) => ProposerStep<V>;
  readonly learner: (s: LearnerState<V>, m: Message<V>) => LearnerStep<V>;
}

const REAL_ROLES: Roles<unknown> = Object.freeze({
  acceptor: acceptor.receiveAcceptor,
  proposer: proposer.receiveProposer,
  propose: proposer.propose,
  timeout: proposer.timeout,
  learner: learner.receiveLearner,
});

/** The roles of the paper (one shared object: a step allocates nothing to find them). */
export function realRoles<V>(): Roles<V> {
  return REAL_ROLES as Roles<V>;
}

function startingRecord(config: PaxosConfig): { ballot: Ballot } | undefined {
  const round = config.startRound ?? 0;
  // Stryker disable next-line ConditionalExpression: a starting record of round 0 is ballot ZERO, which is what a proposer without a record starts from
  return round === 0 ? undefined : { ballot: { round, node: 0 } };
}

/** Every node that plays some role. */
export function members(config: PaxosConfig): NodeId[] {
  const ids = new Set([...config.quorums.acceptors, ...config.proposers, ...config.learners]);
  return [...ids].sort((a, b) => a - b);
}

export function initNode<V>(config: PaxosConfig, id: NodeId): NodeState<V> {
  return recoverNode(config, id, undefined);
}

/** A node after a crash: each role rebuilt from what it persisted, and nothing else. */
export function recoverNode<V>(config: PaxosConfig, id: NodeId, record: NodeRecord<V> | undefined): NodeState<V> {
  const { slot, quorums } = config;
  return {
    id,
    acceptor: quorums.acceptors.includes(id) ? acceptor.recoverAcceptor(id, config.learners, record?.acceptor) : null,
    proposer: config.proposers.includes(id)
      ? proposer.recoverProposer(id, slot, quorums, record?.proposer ?? startingRecord(config))
      : null,
    learner: config.learners.includes(id) ? learner.initLearner(id, slot, quorums) : null,
  };
}

export function stepNode<V>(state: NodeState<V>, input: NodeInput<V>, roles: Roles<V> = realRoles()): NodeStep<V> {
  switch (input.type) {
    case 'receive':
      return receive(state, input.message, roles);
    case 'propose':
      if (state.proposer === null) return { state, effects: [], ignored: `node ${state.id} is not a proposer` };
      return withProposer(state, roles.propose(state.proposer, input.value));
    case 'timeout':
      if (state.proposer === null) return { state, effects: [], ignored: `node ${state.id} is not a proposer` };
      return withProposer(state, roles.timeout(state.proposer));
    default:
      return assertNever(input, 'node input');
  }
}

function receive<V>(state: NodeState<V>, m: Message<V>, roles: Roles<V>): NodeStep<V> {
  switch (m.type) {
    case 'prepare':
    case 'accept': {
      if (state.acceptor === null) return { state, effects: [], ignored: `node ${state.id} is not an acceptor` };
      const step = roles.acceptor(state.acceptor, m);
      return { ...step, state: { ...state, acceptor: step.state } };
    }
    case 'promise':
    case 'rejected':
      if (state.proposer === null) return { state, effects: [], ignored: `node ${state.id} is not a proposer` };
      return withProposer(state, roles.proposer(state.proposer, m));
    case 'accepted':
      return toProposerAndLearner(state, m, roles);
    default:
      return assertNever(m, 'message');
  }
}

function withProposer<V>(state: NodeState<V>, step: ProposerStep<V>): NodeStep<V> {
  return { ...step, state: { ...state, proposer: step.state } };
}

/** An acceptance informs the proposer that asked for it and the learner. */
function toProposerAndLearner<V>(state: NodeState<V>, m: Message<V>, roles: Roles<V>): NodeStep<V> {
  const p = state.proposer === null ? null : roles.proposer(state.proposer, m);
  const l = state.learner === null ? null : roles.learner(state.learner, m);
  const next: NodeState<V> = { ...state, proposer: p?.state ?? state.proposer, learner: l?.state ?? state.learner };
  const effects = [...(p?.effects ?? []), ...(l?.effects ?? [])];
  const reasons = [p?.ignored, l?.ignored].filter((r): r is string => r !== undefined);
  const everyRoleIgnored = reasons.length === [p, l].filter((s) => s !== null).length;
  if (everyRoleIgnored) return { state: next, effects, ignored: reasons.join('; ') || `node ${state.id} hosts no proposer or learner` };
  return { state: next, effects };
}

/** The node's durable record after one effect. */
export function persisted<V>(record: NodeRecord<V> | undefined, effect: Effect<V>): NodeRecord<V> | undefined {
  if (effect.type !== 'persist') return record;
  return effect.role === 'acceptor' ? { ...record, acceptor: effect.record } : { ...record, proposer: effect.record };
}

/** Single-decree Paxos as a `Protocol`, for the simulator, the model checker and the runtime. */
export function paxosProtocol<V>(
  config: PaxosConfig,
  roles: Roles<V> = realRoles(),
): Protocol<NodeState<V>, Message<V>, Effect<V>, NodeRecord<V>, V> {
  return {
    name: 'single-decree',
    nodes: members(config),
    init: (id) => initNode<V>(config, id),
    recover: (id, record) => recoverNode(config, id, record),
    deliver: (s, message) => stepNode(s, { type: 'receive', message }, roles),
    timeout: (s) => stepNode(s, { type: 'timeout' }, roles),
    request: (s, value) => stepNode(s, { type: 'propose', value }, roles),
    sent: (e) => (e.type === 'send' ? e.message : null),
    persisted,
  };
}
