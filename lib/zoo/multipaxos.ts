/**
 * The bug zoo, Multi-Paxos part: named broken variants of the stable-leader layer.
 *
 * Each is built by wrapping the real handlers of lib/multipaxos/node.ts (so everything else
 * is the code under test), is selected by name, and is never active by default. The tests
 * assert that the simulator catches each one within a bounded number of seeds: a check that
 * cannot fail proves nothing.
 */
import type { Handlers, MultiEffect, MultiPaxosConfig, MultiStep } from '../multipaxos/node';
import { learnAsChosen, realHandlers } from '../multipaxos/node';
import { applyCommand } from '../machine/replica';

export type MultiPaxosMutantName = 'leader-acks-before-quorum' | 'new-leader-skips-merge' | 'follower-applies-unchosen-entry';

export interface MultiPaxosMutant {
  readonly name: MultiPaxosMutantName;
  /** What it breaks, in one sentence. */
  readonly breaks: string;
  /** The invariants expected to catch it. */
  readonly caughtBy: readonly string[];
  handlers<S, Op, R>(): Handlers<S, Op, R>;
}

/**
 * The leader tells the client "done" as soon as it proposes the command, with the result it
 * would have if it were applied now: "the leader wrote it locally, so the booking is safe".
 */
function acksBeforeQuorum<S, Op, R>(): Handlers<S, Op, R> {
  const real = realHandlers<S, Op, R>();
  const early = (config: MultiPaxosConfig<S, Op, R>, step: MultiStep<S, Op, R>): MultiStep<S, Op, R> => {
    const extra: MultiEffect<Op, R>[] = [];
    let replica = step.state.replica;
    for (const e of step.effects) {
      if (e.type !== 'stage' || e.stage !== 'proposed' || e.value.kind !== 'batch') continue;
      for (const c of e.value.commands) {
        const applied = applyCommand(config.machine, replica, c);
        replica = applied.replica;
        if (applied.applied.outcome === 'stale') continue;
        extra.push({ type: 'reply', node: step.state.id, client: c.client, seq: c.seq, reply: { status: 'ok', result: applied.applied.result } });
      }
    }
    return extra.length === 0 ? step : { state: step.state, effects: [...step.effects, ...extra] };
  };
  return {
    ...real,
    deliver: (config, s, m) => early(config, real.deliver(config, s, m)),
    timeout: (config, s) => early(config, real.timeout(config, s)),
    request: (config, s, c) => early(config, real.request(config, s, c)),
  };
}

/** A new leader ignores what the promises reported and starts proposing at its own commit point. */
function skipsMerge<S, Op, R>(): Handlers<S, Op, R> {
  return realHandlers<S, Op, R>(() => []);
}

/** A follower applies every entry it accepts as if it were chosen, without waiting for the commit point. */
function appliesUnchosen<S, Op, R>(): Handlers<S, Op, R> {
  const real = realHandlers<S, Op, R>();
  return {
    ...real,
    deliver: (config, s, m) => {
      const step = real.deliver(config, s, m);
      const voted = step.effects.some((e) => e.type === 'send' && e.message.type === 'accepted');
      if (m.type !== 'accept' || !voted) return step;
      const learned = learnAsChosen(config, step.state, m.slot, m.value);
      return { state: learned.state, effects: [...step.effects, ...learned.effects] };
    },
  };
}

export const MULTIPAXOS_MUTANTS: readonly MultiPaxosMutant[] = [
  {
    name: 'leader-acks-before-quorum',
    breaks: 'acknowledgement: the leader reports a command done when it proposes it, before a quorum accepted it',
    caughtBy: ['AckImpliesChosen'],
    handlers: acksBeforeQuorum,
  },
  {
    name: 'new-leader-skips-merge',
    breaks: 'P2c per slot: a new leader ignores the votes its promises reported and reuses their slots for new commands',
    caughtBy: ['VotesSafe', 'Agreement', 'LogPrefixAgreement'],
    handlers: skipsMerge,
  },
  {
    name: 'follower-applies-unchosen-entry',
    breaks: 'learning: a follower applies an entry it accepted before the entry is chosen',
    // It also answers a client's retry from that replica, so AckImpliesChosen can fire first.
    caughtBy: ['Agreement', 'LogPrefixAgreement', 'AckImpliesChosen'],
    handlers: appliesUnchosen,
  },
];

export function multiPaxosMutant(name: string): MultiPaxosMutant | undefined {
  return MULTIPAXOS_MUTANTS.find((m) => m.name === name);
}
