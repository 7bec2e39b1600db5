/**
 * The Harbor Point booking authority, single-decree: slot 812 must never be decided both as
 * booking #8841 and as booking #8849.
 *
 * Three acceptors harbor-1..3 (each also a learner); terminal A asks harbor-2 to propose
 * #8841, terminal B asks harbor-3 to propose #8849; the cluster has used rounds up to 40, so
 * the first ballots are 41.2 and 41.3. Three stories, each checked against every invariant
 * after every step:
 *   1. the race: both proposers at once, deliveries in a seeded random order;
 *   2. harbor-2 crashes after a quorum accepted #8841, before anyone heard back: a later
 *      proposer must keep #8841;
 *   3. harbor-2 crashes before a quorum accepted #8841: the later proposer may choose either.
 * The seed varies the interleaving; the same seed prints the same story.
 */
import { Cluster } from '../harness/cluster';
import type { ClusterEvent } from '../harness/cluster';
import { Random } from '../core/random';
import { checkPaxos } from '../invariants/paxos';
import type { Violation } from '../invariants/voting';
import * as ballots from '../paxos/ballot';
import type { Effect } from '../paxos/effects';
import { formatMessage, showValue } from '../paxos/format';
import type { Message } from '../paxos/messages';
import type { NodeRecord, NodeState, PaxosConfig } from '../paxos/node';
import { paxosProtocol } from '../paxos/node';
import { quorumSystemOrThrow } from '../paxos/quorum';
import type { NodeId } from '../core/types';

export const SLOT = 812;
export const BOOKING_A = '#8841';
export const BOOKING_B = '#8849';
export const TERMINAL_A_NODE = 2;
export const TERMINAL_B_NODE = 3;

export const harborName = (node: NodeId): string => `harbor-${node}`;

export const HARBOR_CONFIG: PaxosConfig = {
  slot: SLOT,
  quorums: quorumSystemOrThrow({ acceptors: [1, 2, 3] }),
  proposers: [TERMINAL_A_NODE, TERMINAL_B_NODE],
  learners: [1, 2, 3],
  startRound: 40,
};

type HarborCluster = Cluster<NodeState<string>, Message<string>, Effect<string>, NodeRecord<string>, string>;

export interface Story {
  readonly title: string;
  readonly lines: readonly string[];
  /** The value the learners learned, or null if none did. */
  readonly chosen: string | null;
  /** Per booking: the stages it reached (proposed, quorum-acknowledged, chosen). */
  readonly stages: Readonly<Record<string, readonly string[]>>;
  readonly violations: readonly Violation[];
  readonly held: boolean;
  readonly verdict: string;
  /** Everything the scripted cluster did, in order (`synod demo --trace` writes it as a trace). */
  readonly events: readonly ClusterEvent<Message<string>, Effect<string>, string>[];
}

/** A cluster that prints every event as a line and checks every invariant after each. */
class Narrated {
  readonly cluster: HarborCluster = new Cluster(paxosProtocol<string>(HARBOR_CONFIG));
  readonly lines: string[] = [];
  readonly violations: Violation[] = [];
  readonly stages = new Map<string, string[]>([[BOOKING_A, []], [BOOKING_B, []]]);
  /** Why the story itself drops a message between two live nodes (printed with each such loss). */
  dropReason = 'dropped by the story';

  constructor() {
    this.cluster.on((e) => {
      if (e.type === 'request') return;
      const line = e.type === 'drop' ? this.lost(e.message) : describeEvent(e);
      if (line !== null) this.lines.push(line);
      if (e.type === 'effect' && (e.effect.type === 'stage' || e.effect.type === 'chosen')) {
        const stage = e.effect.type === 'stage' ? e.effect.stage : 'chosen';
        const reached = this.stages.get(e.effect.value) ?? [];
        if (!reached.includes(stage)) reached.push(stage);
        this.stages.set(e.effect.value, reached);
      }
      if (this.violations.length === 0) this.violations.push(...checkPaxos(this.snapshot()));
    });
  }

  /** A lost message, with why: its receiver is down, its sender crashed with it in flight, or the story dropped it. */
  lost(m: Message<string>): string {
    const why = !this.cluster.isUp(m.to)
      ? `${harborName(m.to)} is down`
      : !this.cluster.isUp(m.from)
        ? `in flight when ${harborName(m.from)} crashed; ${this.dropReason}`
        : this.dropReason;
    return `lost (${why}): ${formatMessage(m, harborName)}`;
  }

  snapshot() {
    return {
      config: HARBOR_CONFIG,
      nodes: [...this.cluster.states.values()],
      messages: this.cluster.sent,
      proposed: this.cluster.requests,
    };
  }

  chosen(): string | null {
    for (const s of this.cluster.states.values()) if (s.learner?.chosen) return s.learner.chosen.value;
    return null;
  }

  /** Delivers in-flight messages that match, one at a time in a seeded random order. */
  shuffleDeliver(rng: Random, match: (m: Message<string>) => boolean = () => true, limit = 500): void {
    for (let i = 0; i < limit; i += 1) {
      const candidates = this.cluster.inFlight.filter(match);
      if (candidates.length === 0) return;
      const m = rng.pick(candidates);
      this.cluster.deliver((x) => x === m);
    }
  }

  story(title: string, verdict: (chosen: string | null) => { held: boolean; line: string }): Story {
    const chosen = this.chosen();
    const judged = verdict(chosen);
    const held = judged.held && this.violations.length === 0;
    const order = ['proposed', 'quorum-acknowledged', 'chosen'];
    const stages = Object.fromEntries([...this.stages].map(([v, reached]) => [v, order.filter((o) => reached.includes(o))]));
    const broken = this.violations.map((v) => `${v.invariant}: ${v.description}`).join('; ');
    return {
      title,
      lines: this.lines,
      chosen,
      stages,
      violations: this.violations,
      held,
      verdict: this.violations.length === 0 ? judged.line : `VIOLATED ${broken}`,
      events: this.cluster.events,
    };
  }
}

function describeEvent(e: ClusterEvent<Message<string>, Effect<string>>): string | null {
  switch (e.type) {
    case 'deliver':
      return formatMessage(e.message, harborName) + (e.ignored === undefined ? '' : `   [ignored: ${plainReason(e.ignored)}]`);
    case 'drop':
      return `lost: ${formatMessage(e.message, harborName)}`;
    case 'crash':
      return `${harborName(e.node)} : CRASHED (it keeps only what it persisted)`;
    case 'restart':
      return `${harborName(e.node)} : restarted`;
    case 'send':
    case 'step':
      return null;
    case 'effect': {
      const f = e.effect;
      if (f.type === 'stage' && f.stage === 'proposed') return `${harborName(e.node)} : proposed ${showValue(f.value)}`;
      if (f.type === 'stage') return `${harborName(e.node)} : quorum-acknowledged ${showValue(f.value)} in ballot ${f.ballot === null ? '?' : ballots.format(f.ballot)}`;
      if (f.type === 'chosen') return `${harborName(e.node)} : learned slot ${f.slot} = ${showValue(f.value)} (chosen in ballot ${ballots.format(f.ballot)})`;
      return null;
    }
    default:
      return null;
  }
}

/**
 * A proposer's reason for ignoring a reply, in words a newcomer reads right: the core says
 * "stale" for any reply of another ballot, but a reply for a higher ballot is not old, it is
 * another proposer's (which has overtaken this one).
 */
export function plainReason(reason: string): string {
  const m = /^stale (\w+) for ballot (\d+)\.(\d+), current is (\d+)\.(\d+)(.*)$/.exec(reason);
  if (m === null) return reason;
  const [, type, r1, n1, r2, n2, rest] = m;
  const theirs = ballots.of(Number(r1), Number(n1));
  const mine = ballots.of(Number(r2), Number(n2));
  const a = ballots.format(theirs);
  const b = ballots.format(mine);
  return ballots.less(mine, theirs)
    ? `${type} for ballot ${a}, another proposer's higher ballot, not this proposer's ${b}${rest}`
    : `${type} for ballot ${a}, older than this proposer's current ${b}${rest}`;
}

/** Story 1: both terminals at once; the seed decides the order of every delivery. */
export function race(seed: number): Story {
  const rng = new Random(seed);
  const n = new Narrated();
  const requests: [NodeId, string][] = [[TERMINAL_A_NODE, BOOKING_A], [TERMINAL_B_NODE, BOOKING_B]];
  if (rng.chance(0.5)) requests.reverse();
  for (const [node, value] of requests) n.cluster.request(node, value);
  for (let step = 0; step < 2_000 && n.violations.length === 0; step += 1) {
    const inFlight = n.cluster.inFlight;
    if (inFlight.length > 0) {
      const m = rng.pick(inFlight);
      n.cluster.deliver((x) => x === m);
      continue;
    }
    if (n.chosen() !== null && [1, 2, 3].every((id) => n.cluster.state(id).learner?.chosen)) break;
    const waiting = [TERMINAL_A_NODE, TERMINAL_B_NODE].filter((id) => n.cluster.state(id).proposer?.phase !== 'acknowledged');
    if (waiting.length === 0) break;
    const node = rng.pick(waiting);
    n.lines.push(`${harborName(node)} : timeout, retrying with a higher ballot`);
    n.cluster.timeout(node);
  }
  return n.story('The race: terminal A asks harbor-2 for #8841, terminal B asks harbor-3 for #8849', (chosen) => ({
    held: chosen !== null,
    line: chosen === null ? 'nothing was chosen' : `slot ${SLOT} chose ${chosen} and only ${chosen}`,
  }));
}

/** Phase 1 of harbor-2's ballot for #8841, to completion; returns when it is accepting. */
function harbor2ReachesPhase2(n: Narrated, rng: Random): void {
  n.cluster.request(TERMINAL_A_NODE, BOOKING_A);
  n.shuffleDeliver(rng, (m) => m.type === 'prepare' || m.type === 'promise');
}

/** Story 2: a quorum accepted #8841, then harbor-2 crashed before any reply reached anyone. */
export function crashAfterQuorum(seed: number): Story {
  const rng = new Random(seed ^ 0x5eed);
  const n = new Narrated();
  harbor2ReachesPhase2(n, rng);
  const quorum = rng.pick([[1, 2], [2, 3], [1, 3]]);
  n.lines.push(`-- the accept requests reach ${quorum.map(harborName).join(' and ')}, a quorum`);
  n.shuffleDeliver(rng, (m) => m.type === 'accept' && quorum.includes(m.to));
  n.cluster.crash(TERMINAL_A_NODE);
  n.dropReason = 'dropped by the story, so that no one hears of the acceptances before harbor-2 crashed';
  n.cluster.drop(() => true);
  if (rng.chance(0.5)) n.cluster.restart(TERMINAL_A_NODE);
  n.lines.push(`-- terminal B, whose request timed out elsewhere, asks harbor-3 for ${BOOKING_B}`);
  n.cluster.request(TERMINAL_B_NODE, BOOKING_B);
  n.shuffleDeliver(rng);
  return n.story(`Crash after quorum acceptance: ${quorum.map(harborName).join(' and ')} accepted #8841, then harbor-2 crashed`, (chosen) => ({
    held: chosen === BOOKING_A,
    line: chosen === BOOKING_A
      ? `the later proposer found #8841 in a promise and kept it: slot ${SLOT} = #8841`
      : `the later proposer lost #8841: slot ${SLOT} = ${chosen ?? 'nothing'}`,
  }));
}

/** Story 3: only harbor-2 itself accepted #8841 before it crashed; either booking may win. */
export function crashBeforeQuorum(seed: number): Story {
  const rng = new Random(seed ^ 0xc0ffee);
  const n = new Narrated();
  harbor2ReachesPhase2(n, rng);
  n.lines.push('-- only harbor-2 accepts its own request before it crashes');
  n.shuffleDeliver(rng, (m) => m.type === 'accept' && m.to === TERMINAL_A_NODE);
  n.cluster.crash(TERMINAL_A_NODE);
  n.dropReason = 'dropped by the story: what harbor-2 sent dies with it';
  n.cluster.drop(() => true);
  const backEarly = rng.chance(0.5);
  if (backEarly) n.cluster.restart(TERMINAL_A_NODE);
  n.cluster.request(TERMINAL_B_NODE, BOOKING_B);
  n.shuffleDeliver(rng, (m) => m.type === 'prepare' || m.type === 'promise');
  if (!backEarly) n.cluster.restart(TERMINAL_A_NODE);
  n.shuffleDeliver(rng);
  return n.story('Crash before quorum acceptance: only harbor-2 accepted #8841, then it crashed', (chosen) => ({
    held: chosen === BOOKING_A || chosen === BOOKING_B,
    line: `#8841 was never chosen (1 of 3 acceptances), so either may win: this run chose ${chosen ?? 'nothing'}, and nothing else`,
  }));
}

export interface HarborPoint {
  readonly seed: number;
  readonly stories: readonly Story[];
  readonly ok: boolean;
}

export function harborPoint(seed: number): HarborPoint {
  const stories = [race(seed), crashAfterQuorum(seed), crashBeforeQuorum(seed)];
  return { seed, stories, ok: stories.every((s) => s.held) };
}
