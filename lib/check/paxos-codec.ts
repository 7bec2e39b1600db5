/**
 * A compact canonical encoder for single-decree node states and messages.
 *
 * The checker interns every distinct node state, durable record and message by a key; this
 * encoder writes that key by hand instead of walking the object generically, which is several
 * times faster than `canonicalKey` and stays canonical because it writes fields in a fixed
 * order. It leaves out what is constant for a whole configuration (slot, quorum system, the
 * learner list): the checker shares one intern table per model, and those fields never differ
 * between two states of one model. spec/check/paxos.spec.ts checks that the state counts with
 * this codec equal those with the generic `canonicalKey`.
 */
import type { Ballot } from '../paxos/ballot';
import type { Message, Vote } from '../paxos/messages';
import type { NodeRecord, NodeState } from '../paxos/node';
import type { ProposerPhase } from '../paxos/proposer';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import type { Codec } from './model-checker';

function b(x: Ballot): string {
  return `${x.round}.${x.node}`;
}

function v(x: unknown): string {
  return typeof x === 'string' && /^[A-Za-z0-9_#-]*$/.test(x) ? x : JSON.stringify(x);
}

function vote(x: Vote<unknown> | null): string {
  return x === null ? '-' : `${b(x.ballot)}=${v(x.value)}`;
}

function sorted(xs: string[]): string[] {
  return xs.length < 2 ? xs : xs.sort();
}

function sortedIds(xs: readonly number[]): readonly number[] {
  return xs.length < 2 ? xs : [...xs].sort((x, y) => x - y);
}

/** One letter a phase ('accepting' and 'acknowledged' share their first). */
const PHASE_LETTER: Readonly<Record<ProposerPhase, string>> = { idle: 'i', preparing: 'p', accepting: 'a', acknowledged: 'k' };

export function encodeNodeState(s: NodeState<unknown>): string {
  let out = `${s.id}`;
  const a = s.acceptor;
  out += a === null ? '|' : `|${b(a.promised)}:${vote(a.accepted)}`;
  const p = s.proposer;
  if (p === null) out += '|';
  else {
    out += `|${PHASE_LETTER[p.phase]}${p.value === null ? '~' : v(p.value)}@${b(p.ballot)}^${b(p.highest)}`;
    out += `[${sorted(p.promises.map((x) => `${x.from}:${vote(x.accepted)}`)).join(',')}]`;
    out += `${p.proposal === null ? '~' : v(p.proposal)}[${sortedIds(p.acks).join(',')}]`;
  }
  const l = s.learner;
  if (l === null) out += '|';
  else {
    out += `|${sorted(l.tallies.map((t) => `${b(t.ballot)}=${v(t.value)}:${sortedIds(t.acceptors).join(',')}`)).join(';')}`;
    out += l.chosen === null ? '' : `!${b(l.chosen.ballot)}=${v(l.chosen.value)}`;
  }
  return out;
}

export function encodeMessage(m: Message<unknown>): string {
  const head = `${m.from}>${m.to}#${m.slot}`;
  switch (m.type) {
    case 'prepare':
      return `P${head}@${b(m.ballot)}`;
    case 'promise':
      return `R${head}@${b(m.ballot)}:${vote(m.accepted)}`;
    case 'accept':
      return `A${head}@${b(m.ballot)}=${v(m.value)}`;
    case 'accepted':
      return `V${head}@${b(m.ballot)}=${v(m.value)}`;
    case 'rejected':
      return `N${head}@${b(m.ballot)}^${b(m.promised)}`;
    default:
      return assertNever(m, 'message');
  }
}

export function encodeRecord(d: NodeRecord<unknown> | undefined): string {
  if (d === undefined) return '';
  const a = d.acceptor === undefined ? '~' : `${b(d.acceptor.promised)}:${vote(d.acceptor.accepted)}`;
  const p = d.proposer === undefined ? '~' : b(d.proposer.ballot);
  return `${a}|${p}`;
}

export const paxosCodec: Codec<NodeState<string>, Message<string>, NodeRecord<string>> = {
  state: encodeNodeState,
  message: encodeMessage,
  durable: encodeRecord,
};

/**
 * The state with its set-like lists in a canonical order (promises by acceptor, acks by id,
 * tallies by ballot, each tally's acceptors by id): what `encodeNodeState` identifies. A test
 * compares the checker's counts with this codec against the generic canonical key of this.
 */
export function normalizeNodeState<V>(s: NodeState<V>): NodeState<V> {
  const p = s.proposer;
  const l = s.learner;
  return {
    ...s,
    proposer: p === null ? null : { ...p, promises: [...p.promises].sort((x, y) => x.from - y.from), acks: [...p.acks].sort((x, y) => x - y) },
    learner:
      l === null
        ? null
        : {
            ...l,
            tallies: [...l.tallies]
              .sort((x, y) => x.ballot.round - y.ballot.round || x.ballot.node - y.ballot.node)
              .map((t) => ({ ...t, acceptors: [...t.acceptors].sort((x, y) => x - y) })),
          },
  };
}

type Rename = (n: NodeId) => NodeId;

function renameBallot(x: Ballot, f: Rename): Ballot {
  const node = f(x.node);
  return node === x.node ? x : { round: x.round, node };
}

function renameVote<V>(x: Vote<V> | null, f: Rename): Vote<V> | null {
  return x === null ? null : { ballot: renameBallot(x.ballot, f), value: x.value };
}

function renameIds(xs: readonly NodeId[], f: Rename): NodeId[] {
  return xs.map(f).sort((x, y) => x - y);
}

/**
 * Renaming node ids in single-decree states, messages and records: the symmetry the checker
 * reduces by when acceptors are interchangeable (proposers on nodes of their own). Lists that
 * are sets (promises, acks, tallies' acceptors, learners, the quorum system's acceptors) stay
 * sets; ballots are renamed too, which changes nothing while only acceptors are renamed.
 */
export const paxosSymmetry = {
  state<V>(s: NodeState<V>, f: Rename): NodeState<V> {
    const a = s.acceptor;
    const p = s.proposer;
    const l = s.learner;
    return {
      id: f(s.id),
      acceptor: a === null ? null : { id: f(a.id), learners: renameIds(a.learners, f), promised: renameBallot(a.promised, f), accepted: renameVote(a.accepted, f) },
      proposer:
        p === null
          ? null
          : {
              ...p,
              id: f(p.id),
              quorums: { ...p.quorums, acceptors: renameIds(p.quorums.acceptors, f) },
              ballot: renameBallot(p.ballot, f),
              highest: renameBallot(p.highest, f),
              promises: p.promises.map((x) => ({ from: f(x.from), accepted: renameVote(x.accepted, f) })).sort((x, y) => x.from - y.from),
              acks: renameIds(p.acks, f),
            },
      learner:
        l === null
          ? null
          : {
              ...l,
              id: f(l.id),
              quorums: { ...l.quorums, acceptors: renameIds(l.quorums.acceptors, f) },
              tallies: l.tallies.map((t) => ({ ballot: renameBallot(t.ballot, f), value: t.value, acceptors: renameIds(t.acceptors, f) })),
              chosen: l.chosen === null ? null : { ballot: renameBallot(l.chosen.ballot, f), value: l.chosen.value },
            },
    };
  },
  message<V>(m: Message<V>, f: Rename): Message<V> {
    const from = f(m.from);
    const to = f(m.to);
    switch (m.type) {
      case 'prepare':
        return { ...m, from, to, ballot: renameBallot(m.ballot, f) };
      case 'promise':
        return { ...m, from, to, ballot: renameBallot(m.ballot, f), accepted: renameVote(m.accepted, f) };
      case 'accept':
      case 'accepted':
        return { ...m, from, to, ballot: renameBallot(m.ballot, f) };
      case 'rejected':
        return { ...m, from, to, ballot: renameBallot(m.ballot, f), promised: renameBallot(m.promised, f) };
      default:
        return assertNever(m, 'message');
    }
  },
  durable<V>(d: NodeRecord<V> | undefined, f: Rename): NodeRecord<V> | undefined {
    if (d === undefined) return undefined;
    return {
      ...(d.acceptor === undefined ? {} : { acceptor: { promised: renameBallot(d.acceptor.promised, f), accepted: renameVote(d.acceptor.accepted, f) } }),
      ...(d.proposer === undefined ? {} : { proposer: { ballot: renameBallot(d.proposer.ballot, f) } }),
    };
  },
};
