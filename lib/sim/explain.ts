/**
 * A postmortem of one slot of a Multi-Paxos trace: the seed lesson's four questions, answered
 * from what the trace recorded and nothing else.
 *
 * 1. Who may lead: the latest epoch (ballot), who held it, from when to when.
 * 2. What a quorum has durably accepted: each vote for the slot, as the acceptor persisted it
 *    (the persist events: a vote that was never durable does not count), grouped by ballot and
 *    value, and the step at which a quorum held it.
 * 3. When that history may be shown to clients: for each value, when it was proposed,
 *    quorum-acknowledged, chosen (learned), applied, and acknowledged to its client; and every
 *    `indeterminate` answer, with whether the command was in fact chosen.
 * 4. What each new leader learned in phase 1: the promises it received for its ballot, the vote
 *    each reported for the slot, and the value it then proposed, with the rule that picked it
 *    ("P2c": the value of the highest-ballot vote reported; none reported: its own choice).
 *
 * It reads the events as plain data (a trace file is JSON lines), so it checks the shapes it
 * relies on and skips what it cannot read.
 */
import * as vec from '../core/vector';
import type { Vector } from '../core/vector';

export interface At {
  readonly step: number;
  readonly tick: number;
}

interface BallotData {
  readonly round: number;
  readonly node: number;
}

export interface Epoch {
  readonly ballot: string;
  readonly leader: number;
  /** Its first prepare. */
  readonly campaign: At | null;
  /** Its first accept or heartbeat: it led from here (null: it never won). */
  readonly led: At | null;
  /** Until a higher ballot led, or its leader crashed (null: to the end of the trace). */
  readonly until: (At & { readonly why: string }) | null;
}

export interface VoteRecord {
  readonly node: number;
  readonly at: At;
}

export interface VoteGroup {
  readonly ballot: string;
  readonly value: string;
  readonly acceptors: readonly VoteRecord[];
  /** When the quorum-th acceptor's vote became durable, or null if no quorum ever did. */
  readonly quorumAt: At | null;
}

export interface ValueHistory {
  readonly value: string;
  readonly proposed: readonly (At & { readonly node: number; readonly ballot: string })[];
  readonly quorumAcknowledged: readonly (At & { readonly node: number; readonly ballot: string })[];
  readonly chosen: readonly (At & { readonly node: number })[];
  readonly applied: readonly (At & { readonly node: number })[];
  readonly acknowledged: readonly (At & { readonly node: number; readonly client: string; readonly seq: number })[];
}

export interface Indeterminate {
  readonly at: At;
  readonly node: number;
  readonly client: string;
  readonly seq: number;
  /** The slot where the command was in fact chosen, or null if the trace never shows it chosen. */
  readonly chosenIn: number | null;
}

export interface PromiseSeen {
  readonly from: number;
  readonly at: At;
  /** The vote it reported for the slot, or null for none. */
  readonly vote: { readonly ballot: string; readonly value: string } | null;
  /** True if it arrived after the leader had already started phase 2 (it counted for nothing). */
  readonly late: boolean;
}

export interface PhaseOne {
  readonly ballot: string;
  readonly leader: number;
  readonly promises: readonly PromiseSeen[];
  /** The leader's own vote for the slot when it campaigned (its own promise is local, not a message). */
  readonly own: { readonly ballot: string; readonly value: string } | null;
  /** What it proposed for the slot in its ballot, and when (null: it proposed nothing there). */
  readonly proposed: (At & { readonly value: string }) | null;
  readonly why: string;
}

export interface SlotExplanation {
  readonly slot: number;
  readonly nodes: readonly number[];
  readonly quorum: number;
  readonly epochs: readonly Epoch[];
  readonly latest: Epoch | null;
  readonly votes: readonly VoteGroup[];
  readonly values: readonly ValueHistory[];
  readonly chosen: readonly string[];
  readonly phase1: readonly PhaseOne[];
  readonly indeterminate: readonly Indeterminate[];
}

type Ev = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Ev => typeof v === 'object' && v !== null && !Array.isArray(v);

function ballotOf(v: unknown): BallotData | null {
  return isObject(v) && typeof v.round === 'number' && typeof v.node === 'number' ? { round: v.round, node: v.node } : null;
}

const fmt = (b: BallotData): string => `${b.round}.${b.node}`;
const cmp = (a: BallotData, b: BallotData): number => (a.round !== b.round ? a.round - b.round : a.node - b.node);
const at = (e: Ev): At => ({ step: Number(e.step), tick: Number(e.tick) });

/** One command as a reader says it: `reserve S12 for #8841`, `put k1 = 3`, `cas k1 1 -> 2`. */
export function showOp(op: unknown): string {
  if (!isObject(op)) return JSON.stringify(op);
  switch (op.type) {
    case 'reserve':
    case 'confirm':
    case 'release':
      return `${String(op.type)} ${String(op.suite)} for ${String(op.booking)}`;
    case 'put':
      return `put ${String(op.key)} = ${JSON.stringify(op.value)}`;
    case 'get':
    case 'delete':
      return `${String(op.type)} ${String(op.key)}`;
    case 'cas':
      return `cas ${String(op.key)} ${JSON.stringify(op.expect)} -> ${JSON.stringify(op.value)}`;
    default:
      return JSON.stringify(op);
  }
}

/** A log entry as a reader says it: `no-op`, or its commands with their clients. */
export function showEntry(entry: unknown): string {
  if (!isObject(entry)) return JSON.stringify(entry);
  if (entry.kind === 'noop') return 'no-op';
  if (entry.kind === 'batch' && Array.isArray(entry.commands)) {
    return entry.commands.map((c: unknown) => (isObject(c) ? `${showOp(c.op)} (${String(c.client)} #${String(c.seq)})` : JSON.stringify(c))).join(' + ');
  }
  return JSON.stringify(entry);
}

function commandsOf(entry: unknown): { client: string; seq: number }[] {
  if (!isObject(entry) || entry.kind !== 'batch' || !Array.isArray(entry.commands)) return [];
  return entry.commands.filter(isObject).map((c) => ({ client: String(c.client), seq: Number(c.seq) }));
}

function voteAt(record: unknown, slot: number): { ballot: BallotData; value: unknown } | null {
  if (!isObject(record) || !isObject(record.votes)) return null;
  const v = vec.get(record.votes as unknown as Vector<unknown>, slot) ?? null;
  if (!isObject(v)) return null;
  const b = ballotOf(v.ballot);
  return b === null ? null : { ballot: b, value: v.value };
}

/** The nodes a trace talks about, from its messages and node events. */
function nodesOf(events: readonly Ev[], declared: number | null): number[] {
  const ids = new Set<number>();
  if (declared !== null) for (let i = 1; i <= declared; i += 1) ids.add(i);
  for (const e of events) {
    if (typeof e.node === 'number') ids.add(e.node);
    if (isObject(e.message)) {
      if (typeof e.message.from === 'number') ids.add(e.message.from);
      if (typeof e.message.to === 'number') ids.add(e.message.to);
    }
  }
  return [...ids].filter((n) => n > 0).sort((a, b) => a - b);
}

/** The four questions for `slot`, answered from a Multi-Paxos trace's events. */
export function explainSlot(events: readonly Ev[], slot: number, declaredNodes: number | null = null): SlotExplanation {
  const nodes = nodesOf(events, declaredNodes);
  const quorum = Math.floor(nodes.length / 2) + 1;

  // Q1: epochs.
  const epochs = new Map<string, { ballot: BallotData; campaign: At | null; led: At | null; until: (At & { why: string }) | null }>();
  const epoch = (b: BallotData): { ballot: BallotData; campaign: At | null; led: At | null; until: (At & { why: string }) | null } => {
    const k = fmt(b);
    let x = epochs.get(k);
    if (x === undefined) {
      x = { ballot: b, campaign: null, led: null, until: null };
      epochs.set(k, x);
    }
    return x;
  };
  // Q2: durable votes, per node (the latest), and every change.
  const lastVote = new Map<number, string>();
  const voteLog: { node: number; ballot: BallotData; value: unknown; at: At }[] = [];
  // Q3.
  const values = new Map<string, { proposed: (At & { node: number; ballot: string })[]; quorumAcknowledged: (At & { node: number; ballot: string })[]; chosen: (At & { node: number })[]; applied: (At & { node: number })[]; acknowledged: (At & { node: number; client: string; seq: number })[] }>();
  const valueHistory = (v: string): ReturnType<typeof values.get> & object => {
    let h = values.get(v);
    if (h === undefined) {
      h = { proposed: [], quorumAcknowledged: [], chosen: [], applied: [], acknowledged: [] };
      values.set(v, h);
    }
    return h;
  };
  const chosenBySlot = new Map<number, unknown>();
  /** Every command proposed or voted for in this slot, in any ballot ("client|seq"). */
  const slotCommands = new Set<string>();
  const acks: (At & { node: number; client: string; seq: number })[] = [];
  const answers: Indeterminate[] = [];
  // Q4.
  const promises = new Map<string, PromiseSeen[]>();
  const proposedIn = new Map<string, At & { value: string }>();
  const ownVoteAtCampaign = new Map<string, { ballot: string; value: string } | null>();
  const currentVote = new Map<number, { ballot: BallotData; value: unknown }>();

  const noteVote = (node: number, ballot: BallotData, value: unknown, when: At): void => {
    // A vote in a node's own ballot is its own proposal: it led (even if it crashed before any send left).
    if (ballot.node === node && epoch(ballot).led === null) epoch(ballot).led = when;
    for (const c of commandsOf(value)) slotCommands.add(`${c.client}|${c.seq}`);
    const key = `${fmt(ballot)}|${JSON.stringify(value)}`;
    if (lastVote.get(node) === key) return;
    lastVote.set(node, key);
    currentVote.set(node, { ballot, value });
    voteLog.push({ node, ballot, value, at: when });
  };

  for (const e of events) {
    const when = at(e);
    const m = isObject(e.message) ? e.message : null;
    if (e.type === 'send' && m !== null) {
      const b = ballotOf(m.ballot);
      if (b === null) continue;
      if (m.type === 'prepare' && m.from === b.node) {
        const x = epoch(b);
        if (x.campaign === null) {
          x.campaign = when;
          // Its own promise is local (no message): it reports the vote it holds as it campaigns.
          const own = currentVote.get(b.node);
          ownVoteAtCampaign.set(fmt(b), own === undefined ? null : { ballot: fmt(own.ballot), value: showEntry(own.value) });
        }
      }
      if ((m.type === 'accept' || m.type === 'heartbeat') && m.from === b.node) {
        const x = epoch(b);
        if (x.led === null) {
          x.led = when;
          for (const other of epochs.values()) {
            if (other !== x && other.led !== null && other.until === null && cmp(other.ballot, b) < 0) other.until = { ...when, why: `ballot ${fmt(b)} led` };
          }
        }
        if (m.type === 'accept' && m.slot === slot) {
          if (!proposedIn.has(fmt(b))) proposedIn.set(fmt(b), { ...when, value: showEntry(m.value) });
          for (const c of commandsOf(m.value)) slotCommands.add(`${c.client}|${c.seq}`);
        }
      }
    } else if (e.type === 'deliver' && m !== null && m.type === 'promise') {
      const b = ballotOf(m.ballot);
      if (b === null || m.to !== b.node) continue;
      const entries = Array.isArray(m.entries) ? m.entries.filter(isObject) : [];
      const mine = entries.find((x) => x.slot === slot);
      const vb = mine === undefined ? null : ballotOf(mine.ballot);
      const list = promises.get(fmt(b)) ?? [];
      list.push({ from: Number(m.from), at: when, vote: mine === undefined || vb === null ? null : { ballot: fmt(vb), value: showEntry(mine.value) }, late: epoch(b).led !== null });
      promises.set(fmt(b), list);
    } else if (e.type === 'persist' && typeof e.node === 'number') {
      if ('change' in e) {
        const c = e.change;
        if (isObject(c) && c.kind === 'vote' && c.slot === slot) {
          const b = ballotOf(c.ballot);
          if (b !== null) noteVote(e.node, b, c.value, when);
        }
      } else {
        const v = voteAt(e.record, slot);
        if (v !== null) noteVote(e.node, v.ballot, v.value, when);
      }
    } else if (e.type === 'stage' && typeof e.node === 'number') {
      if (e.stage === 'chosen' && typeof e.slot === 'number' && !chosenBySlot.has(e.slot)) chosenBySlot.set(e.slot, e.value);
      if (e.slot !== slot) continue;
      const ballot = typeof e.ballot === 'string' ? e.ballot : '';
      if (e.stage === 'proposed') valueHistory(showEntry(e.value)).proposed.push({ ...when, node: e.node, ballot });
      if (e.stage === 'quorum-acknowledged') valueHistory(showEntry(e.value)).quorumAcknowledged.push({ ...when, node: e.node, ballot });
      if (e.stage === 'chosen') {
        const h = valueHistory(showEntry(e.value));
        if (!h.chosen.some((c) => c.node === e.node)) h.chosen.push({ ...when, node: e.node });
      }
      if (e.stage === 'applied') {
        const v = chosenBySlot.get(slot);
        if (v !== undefined) {
          const h = valueHistory(showEntry(v));
          if (!h.applied.some((c) => c.node === e.node)) h.applied.push({ ...when, node: e.node });
        }
      }
    } else if (e.type === 'crash' && typeof e.node === 'number') {
      for (const x of epochs.values()) {
        if (x.ballot.node === e.node && x.led !== null && x.until === null) x.until = { ...when, why: 'its leader crashed' };
      }
    } else if (e.type === 'ack' && typeof e.node === 'number' && typeof e.client === 'number' && typeof e.k === 'number') {
      acks.push({ ...when, node: e.node, client: `c${e.client}`, seq: e.k + 1 });
    } else if (e.type === 'reply' && typeof e.node === 'number' && typeof e.client === 'string' && typeof e.seq === 'number') {
      if (e.status === 'ok') acks.push({ ...when, node: e.node, client: e.client, seq: e.seq });
      const same = (a: Indeterminate): boolean => a.node === e.node && a.client === e.client && a.seq === e.seq && a.at.step === when.step;
      if (e.status === 'indeterminate' && !answers.some(same)) answers.push({ at: when, node: e.node, client: e.client, seq: e.seq, chosenIn: null });
    }
  }

  // Acknowledgements of the commands in this slot's values.
  for (const [slotNo, value] of chosenBySlot) {
    if (slotNo !== slot) continue;
    const h = valueHistory(showEntry(value));
    for (const c of commandsOf(value)) {
      const a = acks.find((x) => x.client === c.client && x.seq === c.seq);
      if (a !== undefined) h.acknowledged.push(a);
    }
  }

  for (const v of chosenBySlot.get(slot) === undefined ? [] : commandsOf(chosenBySlot.get(slot))) slotCommands.add(`${v.client}|${v.seq}`);
  const indeterminate = answers.filter((a) => slotCommands.has(`${a.client}|${a.seq}`)).map((a) => {
    let chosenIn: number | null = null;
    for (const [s, v] of chosenBySlot) if (commandsOf(v).some((c) => c.client === a.client && c.seq === a.seq)) chosenIn = s;
    return { ...a, chosenIn };
  });

  const epochList: Epoch[] = [...epochs.values()]
    .sort((a, b) => cmp(a.ballot, b.ballot))
    .map((x) => ({ ballot: fmt(x.ballot), leader: x.ballot.node, campaign: x.campaign, led: x.led, until: x.until }));
  const led = epochList.filter((x) => x.led !== null);

  const groups = new Map<string, { ballot: BallotData; value: string; acceptors: VoteRecord[]; quorumAt: At | null }>();
  for (const v of voteLog) {
    const k = `${fmt(v.ballot)}|${showEntry(v.value)}`;
    const g = groups.get(k) ?? { ballot: v.ballot, value: showEntry(v.value), acceptors: [], quorumAt: null };
    if (!g.acceptors.some((a) => a.node === v.node)) g.acceptors.push({ node: v.node, at: v.at });
    if (g.quorumAt === null && g.acceptors.length >= quorum) g.quorumAt = v.at;
    groups.set(k, g);
  }

  const phase1: PhaseOne[] = led.map((x) => {
    const seen = promises.get(x.ballot) ?? [];
    const own = ownVoteAtCampaign.get(x.ballot) ?? null;
    const proposed = proposedIn.get(x.ballot) ?? null;
    const reported = [...seen.filter((p) => !p.late).map((p) => p.vote), own].filter((v): v is { ballot: string; value: string } => v !== null);
    const parse = (s: string): BallotData => {
      const [r, n] = s.split('.').map(Number);
      return { round: r ?? 0, node: n ?? 0 };
    };
    const highest = reported.reduce<{ ballot: string; value: string } | null>((best, v) => (best === null || cmp(parse(v.ballot), parse(best.ballot)) > 0 ? v : best), null);
    let why: string;
    if (proposed === null) why = `it proposed nothing for slot ${slot} in ballot ${x.ballot}`;
    else if (highest === null) why = `no promise reported a vote for slot ${slot}, so the value was its own to choose: ${proposed.value}`;
    else if (highest.value === proposed.value) why = `the highest-ballot vote reported for slot ${slot} was ${highest.value} in ${highest.ballot}, and P2c requires the leader to propose that value: it did`;
    else why = `the highest-ballot vote reported for slot ${slot} was ${highest.value} in ${highest.ballot}, but it proposed ${proposed.value}: this breaks P2c`;
    return { ballot: x.ballot, leader: x.leader, promises: seen, own, proposed, why };
  }).filter((p) => p.proposed !== null || p.promises.some((q) => q.vote !== null));

  const valueList: ValueHistory[] = [...values].map(([value, h]) => ({ value, ...h }));
  const chosen = [...new Set(valueList.filter((v) => v.chosen.length > 0).map((v) => v.value))];
  return {
    slot,
    nodes,
    quorum,
    epochs: epochList,
    latest: led[led.length - 1] ?? null,
    votes: [...groups.values()].map((g) => ({ ballot: fmt(g.ballot), value: g.value, acceptors: g.acceptors, quorumAt: g.quorumAt })),
    values: valueList,
    chosen,
    phase1,
    indeterminate,
  };
}

const where = (a: At): string => `step ${a.step} (tick ${a.tick})`;

/** The explanation as lines a reader reads top to bottom; `name` renders a node id. */
export function explanationLines(x: SlotExplanation, name: (node: number) => string = (n) => `n${n}`): string[] {
  const lines: string[] = [];
  lines.push(`slot ${x.slot}: ${x.nodes.length} nodes (${x.nodes.map(name).join(', ')}), a quorum is ${x.quorum}`);
  if (x.chosen.length > 1) lines.push(`UNSAFE: slot ${x.slot} was chosen as ${x.chosen.join(' and as ')}`);
  lines.push('', '1. Who may lead: the epochs (ballots)');
  if (x.epochs.length === 0) lines.push('   no ballot appears in the trace');
  for (const e of x.epochs) {
    if (e.led === null) continue;
    const tenure = `led from ${where(e.led)}${e.until === null ? ' to the end of the trace' : ` until ${where(e.until)} (${e.until.why})`}`;
    lines.push(`   ballot ${e.ballot}: ${name(e.leader)} campaigned at ${e.campaign === null ? '?' : where(e.campaign)}; ${tenure}`);
  }
  const lost = x.epochs.filter((e) => e.led === null);
  if (lost.length > 0) lines.push(`   ${lost.length} campaign(s) never led (no quorum of promises): ${lost.map((e) => `${e.ballot}`).join(', ')}`);
  lines.push(x.latest === null ? '   latest epoch: none led' : `   latest epoch: ballot ${x.latest.ballot}, held by ${name(x.latest.leader)}`);
  lines.push('', `2. What a quorum durably accepted in slot ${x.slot} (votes as persisted)`);
  if (x.votes.length === 0) lines.push('   no acceptor persisted a vote for this slot');
  for (const g of x.votes) {
    const who = g.acceptors.map((a) => `${name(a.node)} at ${where(a.at)}`).join(', ');
    lines.push(`   ballot ${g.ballot} = ${g.value}: ${who}: ${g.quorumAt === null ? `${g.acceptors.length} of ${x.nodes.length}, no quorum` : `a quorum from ${where(g.quorumAt)}: chosen`}`);
  }
  lines.push('', '3. When it could be shown to clients: the stages of each value');
  if (x.values.length === 0) lines.push(`   no value reached a stage in slot ${x.slot}`);
  for (const v of x.values) {
    const first = <T extends At>(list: readonly T[], show: (t: T) => string): string => (list.length === 0 ? 'never' : list.map(show).join('; '));
    lines.push(`   ${v.value}`);
    lines.push(`     proposed: ${first(v.proposed, (p) => `by ${name(p.node)} in ${p.ballot} at ${where(p)}`)}`);
    lines.push(`     quorum-acknowledged: ${first(v.quorumAcknowledged, (p) => `at ${name(p.node)} in ${p.ballot} at ${where(p)}`)}`);
    lines.push(`     chosen (learned): ${first(v.chosen, (p) => `${name(p.node)} at ${where(p)}`)}`);
    lines.push(`     applied: ${first(v.applied, (p) => `${name(p.node)} at ${where(p)}`)}`);
    lines.push(`     acknowledged to its client: ${first(v.acknowledged, (p) => `${p.client} #${p.seq} by ${name(p.node)} at ${where(p)}`)}`);
  }
  for (const i of x.indeterminate) {
    lines.push(`   ${name(i.node)} told ${i.client} #${i.seq} "indeterminate" at ${where(i.at)}: ${i.chosenIn === null ? 'the trace never shows it chosen' : `it was in fact chosen, in slot ${i.chosenIn}`}`);
  }
  lines.push('', '4. What each new leader learned in phase 1');
  if (x.phase1.length === 0) lines.push(`   no leader proposed in slot ${x.slot} or heard of a vote there`);
  for (const p of x.phase1) {
    lines.push(`   ballot ${p.ballot} (${name(p.leader)}): its own vote ${p.own === null ? 'none' : `${p.own.value} in ${p.own.ballot}`}`);
    for (const q of p.promises) {
      lines.push(`     promise from ${name(q.from)} at ${where(q.at)}: ${q.vote === null ? 'no vote in this slot' : `voted ${q.vote.value} in ${q.vote.ballot}`}${q.late ? ' (after it led: not counted)' : ''}`);
    }
    lines.push(`     ${p.proposed === null ? 'proposed nothing here' : `proposed ${p.proposed.value} at ${where(p.proposed)}`}: ${p.why}`);
  }
  return lines;
}
