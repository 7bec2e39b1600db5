/**
 * The page's presets, each a `Script` for the session (./session.ts):
 *
 * - the four Harbor Point stories at log level, on Multi-Paxos with the demo's configuration
 *   (lib/demo/multipaxos.ts: harbor-1..3, rounds up to 40 used, slots 0..811 already filled):
 *   the race for slot 812, the crash after quorum acceptance, the crash before it, and the
 *   stale leader of ballot 41 fenced;
 * - a free cluster of 3 to 7 nodes under Multi-Paxos or Raft, driven by the automatic
 *   scheduler and the user;
 * - each Multi-Paxos and Raft mutant of the bug zoo with its counterexample (the trace
 *   `synod check --mutant NAME --trace` writes, kept in web/counterexamples/), see ./traces.ts.
 *
 * A story is written once, against a recorder that plays it on the real cluster and keeps
 * every primitive operation it performed (the message delivered, the timer fired, ...); the
 * session replays that list, so a user action in the middle of a story changes what follows.
 */
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { BookingOp } from '../machine/booking';
import * as ballots from '../paxos/ballot';
import type { MultiMessage } from '../multipaxos/messages';
import type { MultiNodeState } from '../multipaxos/node';
import { SLOT } from '../demo/multipaxos';
import { Random } from '../core/random';
import type { Message as DecreeMessage } from '../paxos/messages';
import type { NodeState as DecreeNodeState } from '../paxos/node';
import { BOOKING_A, BOOKING_B, TERMINAL_A_NODE, TERMINAL_B_NODE } from '../demo/single-decree';
import type { Op, Script, SessionConfig } from './session';
import { Runner } from './session';

type Msg = MultiMessage<BookingOp>;
type State = MultiNodeState<unknown, BookingOp, unknown>;

/** Plays operations on a real cluster and keeps them: the script of a story. */
export class Recorder {
  private readonly runner: Runner;
  private readonly ops: Op[] = [];
  private setupLength = 0;
  private caption: string | undefined;

  constructor(readonly config: SessionConfig) {
    this.runner = new Runner({ title: 'recording', config, setup: [], ops: [] }, []);
  }

  private record(op: Op): void {
    const withCaption = this.caption === undefined ? op : { ...op, caption: this.caption };
    this.caption = undefined;
    this.runner.apply(withCaption);
    this.ops.push(withCaption);
  }

  /** Everything recorded so far runs before frame 0. */
  endSetup(): void {
    this.setupLength = this.ops.length;
  }

  /** The story's line, shown with the next operation. */
  say(text: string): void {
    this.caption = this.caption === undefined ? text : `${this.caption} ${text}`;
  }

  state(node: NodeId): State {
    return this.runner.cluster.state(node) as State;
  }

  inFlight(): readonly Msg[] {
    return this.runner.cluster.inFlight as unknown as Msg[];
  }

  deliver(match: (m: Msg) => boolean): void {
    const m = this.inFlight().find(match);
    if (m === undefined) throw new Error('synod: the story delivers a message that is not in flight');
    this.record({ kind: 'deliver', message: m });
  }

  deliverAll(match: (m: Msg) => boolean = () => true): void {
    for (let i = 0; i < 10_000 && this.inFlight().some(match); i += 1) this.deliver(match);
  }

  drop(match: (m: Msg) => boolean): void {
    for (const m of this.inFlight().filter(match)) this.record({ kind: 'drop', message: m });
  }

  timeout(node: NodeId): void {
    this.record({ kind: 'timeout', node });
  }

  request(node: NodeId, command: Command<BookingOp>): void {
    this.record({ kind: 'request', node, command });
  }

  crash(node: NodeId): void {
    this.record({ kind: 'crash', node });
  }

  restart(node: NodeId): void {
    this.record({ kind: 'restart', node });
  }

  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    this.record({ kind: 'partition', a, b });
  }

  heal(): void {
    this.record({ kind: 'heal' });
  }

  /** `node`'s timer fires until it campaigns; phase 1 flows among `among`, the rest of it is lost. */
  elect(node: NodeId, among: readonly NodeId[]): void {
    for (let i = 0; i < 100 && this.state(node).leader.role === 'follower'; i += 1) this.timeout(node);
    const phase1 = (m: Msg): boolean => m.type === 'prepare' || m.type === 'promise';
    this.drop((m) => phase1(m) && !(among.includes(m.from) && among.includes(m.to)));
    this.deliverAll(phase1);
    if (this.state(node).leader.role !== 'leader') throw new Error(`synod: the story could not elect node ${node}`);
  }

  /** A leader's heartbeat round: its timer fires until it broadcasts, and everything is delivered. */
  heartbeat(node: NodeId): void {
    const before = this.inFlight().length;
    for (let i = 0; i < 10 && this.inFlight().length === before; i += 1) this.timeout(node);
    this.deliverAll();
  }

  script(title: string): Script {
    return { title, config: this.config, setup: this.ops.slice(0, this.setupLength), ops: this.ops.slice(this.setupLength) };
  }
}

const HARBOR: SessionConfig = { protocol: 'multipaxos', nodes: 3, seed: 812, setting: 'harbor' };

const reserve = (client: string, booking: string, seq = 1): Command<BookingOp> => ({ client, seq, op: { type: 'reserve', suite: 'S12', booking } });
const A = reserve('terminal-a', '#8841');
const B = reserve('terminal-b', '#8849');

/** harbor-2 leads in ballot 41.2 and fills slots 0..811 with other bookings (before frame 0). */
function prologue(r: Recorder): void {
  r.elect(2, [1, 2, 3]);
  for (let i = 0; i < SLOT; i += 1) {
    r.request(2, { client: 'front-desk', seq: i + 1, op: { type: i % 2 === 0 ? 'reserve' : 'release', suite: 'F', booking: `#${i - (i % 2)}` } });
    if (i % 4 === 3) r.deliverAll();
  }
  r.deliverAll();
  r.heartbeat(2);
  r.endSetup();
}

const isAccept812 = (to: NodeId) => (m: Msg): boolean => m.type === 'accept' && m.slot === SLOT && m.to === to;

/** The race for slot 812: harbor-2 proposes #8841 in 41.2 while harbor-3 campaigns in 42.3; one value wins, never both. */
function race(): Script {
  const r = new Recorder(HARBOR);
  prologue(r);
  r.say('Terminal A asks harbor-2, leader of ballot 41.2, to reserve S12 for #8841: it proposes it in slot 812.');
  r.request(2, A);
  r.say("harbor-3 has not heard harbor-2 for a while: its election timer runs out.");
  for (let i = 0; i < 100 && r.state(3).leader.role === 'follower'; i += 1) r.timeout(3);
  r.say("harbor-3's prepare 42.3 reaches harbor-1 before harbor-2's accept does: harbor-1 promises 42.3.");
  r.deliver((m) => m.type === 'prepare' && m.to === 1);
  r.say('The accept of slot 812 in 41.2 arrives late: harbor-1 refuses it (rejected, promised 42.3).');
  r.deliver(isAccept812(1));
  r.say('harbor-3 refuses it too: its own acceptor promised 42.3.');
  r.deliver(isAccept812(3));
  r.say("harbor-1's promise reports no vote in slot 812: with its own, harbor-3 has a quorum and leads 42.3; slot 812 is free for it.");
  r.deliver((m) => m.type === 'promise' && m.to === 3 && m.from === 1);
  r.say('Terminal B asks harbor-3 to reserve S12 for #8849: it proposes it in slot 812, ballot 42.3.');
  r.request(3, B);
  r.say("harbor-2 hears the rejections: a higher ballot exists, it steps down and tells terminal A its command may or may not have happened.");
  r.deliverAll((m) => m.type === 'rejected');
  r.say('Everything else arrives: harbor-2 accepts #8849 in 42.3 (its vote for #8841 in 41.2 is overwritten); slot 812 = #8849 is chosen.');
  r.deliverAll();
  r.say('Terminal A retries #8841 at harbor-3: refused, S12 is held by #8849. Slot 812 has one value.');
  r.request(3, A);
  r.deliverAll();
  r.heartbeat(3);
  return r.script('The race for slot 812');
}

/** The crash after quorum acceptance: a later leader must keep #8841. */
function crashAfterQuorum(): Script {
  const r = new Recorder(HARBOR);
  prologue(r);
  r.say('Terminal A asks harbor-2, leader of ballot 41.2, to reserve S12 for #8841: slot 812.');
  r.request(2, A);
  r.say('harbor-1 accepts it: with harbor-2 that is a quorum, so #8841 is chosen, but nobody knows yet.');
  r.deliver(isAccept812(1));
  r.say('harbor-2 crashes before it hears of the quorum: terminal A gets no reply.');
  r.crash(2);
  r.drop(() => true);
  r.say("harbor-3's election timer runs out: ballot 42.3. harbor-1's promise reports slot 812 = #8841 at 41.2, so harbor-3 re-proposes #8841 there.");
  r.elect(3, [1, 3]);
  r.deliverAll();
  r.say('Terminal A retries the same command at harbor-3: the session answers with the first result, without booking again.');
  r.request(3, A);
  r.deliverAll();
  r.say('Terminal B asks for #8849: refused, S12 is held by #8841.');
  r.request(3, B);
  r.deliverAll();
  r.say('harbor-2 restarts with its promise, votes and chosen log, and catches up.');
  r.restart(2);
  r.heartbeat(3);
  r.heartbeat(3);
  return r.script('Crash after quorum acceptance');
}

/** The crash before quorum acceptance: a later leader may choose either value. */
function crashBeforeQuorum(): Script {
  const r = new Recorder(HARBOR);
  prologue(r);
  r.say('Terminal A asks harbor-2, leader of ballot 41.2, to reserve S12 for #8841: slot 812.');
  r.request(2, A);
  r.say('harbor-2 crashes before any acceptor accepted #8841: only its own vote holds it.');
  r.crash(2);
  r.drop(() => true);
  r.say("harbor-3 campaigns in 42.3: harbor-1's promise reports no vote in slot 812, so the slot is free.");
  r.elect(3, [1, 3]);
  r.deliverAll();
  r.say('Terminal B asks harbor-3 for #8849: chosen in slot 812. Either value was allowed; exactly one is chosen.');
  r.request(3, B);
  r.deliverAll();
  r.say('Terminal A retries #8841 at harbor-3: refused, S12 is held by #8849.');
  r.request(3, A);
  r.deliverAll();
  r.say('harbor-2 restarts with its vote for #8841 at 41.2: a vote is not a choice. It learns from the leader that slot 812 chose #8849 in 42.3.');
  r.restart(2);
  r.heartbeat(3);
  r.heartbeat(3);
  return r.script('Crash before quorum acceptance');
}

/** The stale leader of ballot 41 fenced by the newer ballot. */
function staleLeader(): Script {
  const r = new Recorder(HARBOR);
  prologue(r);
  r.say('harbor-2 is cut off by a partition; it keeps running and still believes it leads ballot 41.2.');
  r.partition([2], [1, 3]);
  r.say('harbor-3 is elected in ballot 42.3 by harbor-1 and itself.');
  r.elect(3, [1, 3]);
  r.say('The partition heals.');
  r.heal();
  r.say('Terminal A asks harbor-2, the old leader, to reserve S12 for #8841: it sends accepts for slot 812 in 41.2.');
  r.request(2, A);
  r.say('harbor-1 and harbor-3 have promised 42.3: they refuse (rejected, promised 42.3).');
  r.deliverAll((m) => m.type === 'accept' && m.from === 2 && m.slot === SLOT);
  r.say('harbor-2 steps down and tells terminal A: indeterminate, retry at the leader.');
  r.deliverAll((m) => m.type === 'rejected' && m.to === 2);
  r.drop((m) => m.from === 2);
  r.say('Terminal A retries at harbor-3: #8841 is booked in slot 812, ballot 42.3.');
  r.request(3, A);
  r.deliverAll();
  r.heartbeat(3);
  r.heartbeat(3);
  return r.script(`The stale leader of ballot ${ballots.format(ballots.of(41, 2))} fenced`);
}

export const STORIES = {
  race: { title: 'The race for slot 812', protocol: 'multipaxos', build: race },
  'crash-after': { title: 'Crash after quorum acceptance', protocol: 'multipaxos', build: crashAfterQuorum },
  'crash-before': { title: 'Crash before quorum acceptance', protocol: 'multipaxos', build: crashBeforeQuorum },
  stale: { title: 'The stale leader of ballot 41 fenced', protocol: 'multipaxos', build: staleLeader },
  'decree-race': { title: 'The race for slot 812 (single-decree Paxos, seed 812)', protocol: 'single-decree', build: () => decreeRace(812) },
} as const;

export type StoryName = keyof typeof STORIES;

export const STORY_NAMES = Object.keys(STORIES) as StoryName[];

const built = new Map<string, Script>();

/** A story's script (recorded once, then kept: it is a pure function of nothing). */
export function story(name: StoryName): Script {
  const cached = built.get(name);
  if (cached !== undefined) return cached;
  const s = STORIES[name].build();
  built.set(name, s);
  return s;
}

/**
 * The single-decree race for slot 812 (lib/demo/single-decree.ts `race`, the same draws of the
 * same seed): terminal A asks harbor-2 for #8841 and terminal B asks harbor-3 for #8849 at
 * once; every delivery is a seeded pick among the messages in flight, and a proposer left
 * without a quorum retries with a higher ballot. One value is chosen, never both.
 */
export function decreeRace(seed: number): Script {
  const config: SessionConfig = { protocol: 'single-decree', nodes: 3, seed, setting: 'harbor' };
  const runner = new Runner({ title: 'recording', config, setup: [], ops: [] }, []);
  const ops: Op[] = [];
  const play = (op: Op): void => {
    runner.apply(op);
    ops.push(op);
  };
  const state = (id: NodeId): DecreeNodeState<string> => runner.cluster.state(id) as DecreeNodeState<string>;
  const rng = new Random(seed);
  const requests: [NodeId, string][] = [[TERMINAL_A_NODE, BOOKING_A], [TERMINAL_B_NODE, BOOKING_B]];
  if (rng.chance(0.5)) requests.reverse();
  for (const [node, value] of requests) {
    play({ kind: 'request', node, command: value, caption: `Terminal ${value === BOOKING_A ? 'A' : 'B'} asks harbor-${node} to propose ${value} for slot 812: it sends prepare to every acceptor.` });
  }
  for (let step = 0; step < 2_000; step += 1) {
    const inFlight = runner.cluster.inFlight as unknown as DecreeMessage<string>[];
    if (inFlight.length > 0) {
      play({ kind: 'deliver', message: rng.pick(inFlight) });
      continue;
    }
    if ([1, 2, 3].every((id) => state(id).learner?.chosen)) break;
    const waiting = [TERMINAL_A_NODE, TERMINAL_B_NODE].filter((id) => state(id).proposer?.phase !== 'acknowledged');
    if (waiting.length === 0) break;
    const node = rng.pick(waiting);
    play({ kind: 'timeout', node, caption: `harbor-${node} has no quorum for its ballot: its timer fires and it retries with a higher one.` });
  }
  const chosen = state(1).learner?.chosen?.value;
  const lastOp = ops[ops.length - 1];
  if (lastOp !== undefined && chosen !== undefined) ops[ops.length - 1] = { ...lastOp, caption: `Every learner knows: slot 812 chose ${chosen}, and only ${chosen}.` };
  return { title: `The race for slot 812, single-decree Paxos (seed ${seed})`, config, setup: [], ops };
}

/** A free cluster: no script, the automatic scheduler and the user drive it. */
export function freeScript(config: SessionConfig): Script {
  return { title: `${config.protocol}, ${config.nodes} nodes, seed ${config.seed}`, config, setup: [], ops: [] };
}
