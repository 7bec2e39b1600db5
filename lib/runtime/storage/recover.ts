/**
 * From what the disk holds to a protocol's durable record: the snapshot (the record itself, as
 * the node wrote it when its log grew past a bound) with the logged changes folded on top, by
 * the same fold the simulated drivers use (Multi-Paxos `foldChange`, Raft `persistChange`).
 * The result is what `protocol.recover(node, durable)` restarts from.
 *
 * Also the codecs of both protocols' changes and records. Changes are plain data, so JSON keeps
 * them; a record holds persistent vectors (lib/core/vector.ts), whose holes JSON would turn into
 * nulls, so a record is written as its defined slots, [index, value] pairs, and rebuilt.
 */
import type { Ballot } from '../../paxos/ballot';
import { foldChange } from '../../multipaxos/durable';
import type { DurableChange, MultiRecord } from '../../multipaxos/state';
import { persistChange } from '../../raft/state';
import type { PersistChange, RaftRecord } from '../../raft/state';
import type { Vector } from '../../core/vector';
import * as vec from '../../core/vector';
import type { Recovered } from '../contracts';
import { reviveReplica } from '../replica-json';
import type { Codec } from './codec';
import { jsonCodec } from './codec';

/** The Multi-Paxos record after recovery; undefined for a node that never persisted anything. */
export function recoverMultiPaxos<Op>(recovered: Recovered<DurableChange<Op>, MultiRecord<Op>>): MultiRecord<Op> | undefined {
  let record = recovered.snapshot;
  for (const change of recovered.changes) record = foldChange(record, change);
  return record;
}

/** The Raft record (Figure 2's persistent state) after recovery; undefined for a server that never persisted anything. */
export function recoverRaft<Op>(recovered: Recovered<PersistChange<Op>, RaftRecord<Op>>): RaftRecord<Op> | undefined {
  let record = recovered.snapshot;
  for (const change of recovered.changes) record = persistChange(record, change);
  return record;
}

/** Whether the log since the last snapshot has grown to `threshold` bytes: time to write the record as a snapshot. */
export function snapshotPolicy(bytesSinceSnapshot: number, threshold: number): boolean {
  if (!Number.isFinite(threshold) || threshold <= 0) throw new Error(`synod: the snapshot threshold is a number of bytes > 0, got ${threshold}`);
  return bytesSinceSnapshot >= threshold;
}

// ---- codecs ---------------------------------------------------------------------------------

interface VectorJson<T> {
  readonly size: number;
  readonly items: readonly (readonly [number, T])[];
}

function vectorToJson<T>(v: Vector<T>): VectorJson<T> {
  const items: [number, T][] = [];
  vec.range(v, 0).forEach((item, i) => {
    if (item !== undefined) items.push([i, item]);
  });
  return { size: v.size, items };
}

function vectorFromJson<T>(json: VectorJson<T>, what: string): Vector<T> {
  if (typeof json !== 'object' || json === null || !Number.isInteger(json.size) || json.size < 0 || !Array.isArray(json.items)) throw new Error(`${what} is not a vector`);
  const editor = new vec.VectorEditor<T>(vec.emptyVector());
  for (const item of json.items) {
    if (!Array.isArray(item) || item.length !== 2 || !Number.isInteger(item[0]) || item[0] < 0 || item[0] >= json.size) throw new Error(`${what} has a bad item ${JSON.stringify(item)}`);
    editor.set(item[0], item[1]);
  }
  // A vector's size is one more than its highest index ever set; an unset last slot reads as a hole.
  if (json.size > 0 && editor.get(json.size - 1) === undefined) editor.set(json.size - 1, undefined as T);
  return editor.done();
}

function isBallot(b: unknown): b is Ballot {
  return typeof b === 'object' && b !== null && Number.isInteger((b as Ballot).round) && Number.isInteger((b as Ballot).node);
}

function isSlot(s: unknown): boolean {
  return Number.isInteger(s) && (s as number) >= 0;
}

function multiChangeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'a Multi-Paxos change is an object';
  const c = v as Record<string, unknown>;
  switch (c.kind) {
    case 'promise':
      return isBallot(c.ballot) ? null : 'a promise change needs a ballot {round, node}';
    case 'vote':
      return isSlot(c.slot) && isBallot(c.ballot) && typeof c.value === 'object' && c.value !== null ? null : 'a vote change needs a slot, a ballot and a value';
    case 'learned':
      return isSlot(c.slot) && typeof c.value === 'object' && c.value !== null ? null : 'a learned change needs a slot and a value';
    case 'snapshot':
      return isSlot(c.slot) && typeof c.replica === 'object' && c.replica !== null ? null : 'a snapshot change needs a slot and a replica';
    default:
      return `unknown Multi-Paxos change kind ${JSON.stringify(c.kind)}`;
  }
}

function raftChangeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'a Raft change is an object';
  const c = v as Record<string, unknown>;
  switch (c.kind) {
    case 'hard-state':
      return Number.isInteger(c.currentTerm) && Number.isInteger(c.votedFor) ? null : 'a hard-state change needs currentTerm and votedFor';
    case 'append':
      return Number.isInteger(c.index) && (c.index as number) >= 1 && Array.isArray(c.entries) ? null : 'an append change needs an index >= 1 and entries';
    case 'truncate':
      return Number.isInteger(c.from) && (c.from as number) >= 1 ? null : 'a truncate change needs from >= 1';
    default:
      return `unknown Raft change kind ${JSON.stringify(c.kind)}`;
  }
}

interface MultiRecordJson {
  readonly promised: Ballot;
  readonly votes: VectorJson<unknown>;
  readonly log: VectorJson<unknown>;
  /** With compaction on (`snapshotEvery`): the replica at the snapshot's slot, as JSON.stringify wrote it. */
  readonly snapshot?: { readonly slot: number; readonly replica: unknown };
}

interface RaftRecordJson {
  readonly currentTerm: number;
  readonly votedFor: number;
  readonly log: readonly unknown[];
}

/**
 * The codecs of a Multi-Paxos FileLog: JSON changes (checked on the way back), records with
 * their vectors as slot lists. With compaction on, a `snapshot` change and a record's
 * `snapshot` hold a replica (the machine and its client sessions), whose persistent vectors
 * are rebuilt on the way back (lib/runtime/replica-json.ts).
 */
export function multiPaxosCodecs<Op>(): { changeCodec: Codec<DurableChange<Op>>; snapshotCodec: Codec<MultiRecord<Op>> } {
  const json = jsonCodec<MultiRecordJson>((v) => {
    const r = v as Partial<MultiRecordJson> | null;
    if (typeof r !== 'object' || r === null || !isBallot(r.promised)) return 'a Multi-Paxos record needs a promised ballot';
    if (r.snapshot !== undefined && (typeof r.snapshot !== 'object' || r.snapshot === null || !isSlot(r.snapshot.slot))) return "a Multi-Paxos record's snapshot needs a slot and a replica";
    return null;
  });
  const changes = jsonCodec<DurableChange<Op>>(multiChangeProblem);
  return {
    changeCodec: {
      encode: changes.encode,
      decode(bytes) {
        const c = changes.decode(bytes);
        return c.kind === 'snapshot' ? { kind: 'snapshot', slot: c.slot, replica: reviveReplica(c.replica, 'the snapshot change replica') } : c;
      },
    },
    snapshotCodec: {
      encode: (r) => json.encode({ promised: r.promised, votes: vectorToJson(r.votes), log: vectorToJson(r.log), ...(r.snapshot === undefined ? {} : { snapshot: r.snapshot }) }),
      decode(bytes) {
        const r = json.decode(bytes);
        const base = { promised: r.promised, votes: vectorFromJson(r.votes, 'the record votes') as MultiRecord<Op>['votes'], log: vectorFromJson(r.log, 'the record log') as MultiRecord<Op>['log'] };
        return r.snapshot === undefined ? base : { ...base, snapshot: { slot: r.snapshot.slot, replica: reviveReplica(r.snapshot.replica, 'the record snapshot replica') } };
      },
    },
  };
}

/** The codecs of a Raft FileLog: JSON changes (checked), records with the log as an array (a Raft log has no holes). */
export function raftCodecs<Op>(): { changeCodec: Codec<PersistChange<Op>>; snapshotCodec: Codec<RaftRecord<Op>> } {
  const json = jsonCodec<RaftRecordJson>((v) => {
    const r = v as Partial<RaftRecordJson> | null;
    return typeof r === 'object' && r !== null && Number.isInteger(r.currentTerm) && Number.isInteger(r.votedFor) && Array.isArray(r.log) ? null : 'a Raft record needs currentTerm, votedFor and a log';
  });
  return {
    changeCodec: jsonCodec<PersistChange<Op>>(raftChangeProblem),
    snapshotCodec: {
      encode: (r) => json.encode({ currentTerm: r.currentTerm, votedFor: r.votedFor, log: vec.range(r.log, 0) }),
      decode(bytes) {
        const r = json.decode(bytes);
        return { currentTerm: r.currentTerm, votedFor: r.votedFor, log: vec.fromArray(r.log) as RaftRecord<Op>['log'] };
      },
    },
  };
}
