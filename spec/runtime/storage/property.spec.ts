/**
 * The one promise of a durable log, as a property: over any sequence of appends, syncs,
 * snapshots and crashes, recovery folds to exactly what was synced (a snapshot makes everything
 * appended before it durable), compared with `foldChange` over a model that is just a list.
 * The same commands run against the file log on a real disk (Multi-Paxos changes, and Raft
 * changes fitted to the log they extend or cut) and against the memory log.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { foldChange } from '../../../lib/multipaxos/durable';
import type { MultiRecord } from '../../../lib/multipaxos/state';
import { persistChange } from '../../../lib/raft/state';
import type { RaftRecord } from '../../../lib/raft/state';
import type { DurableLog, Recovered } from '../../../lib/runtime/contracts';
import { MemoryDisk, MemoryLog, multiPaxosCodecs, recoverMultiPaxos, recoverRaft } from '../../../lib/runtime/storage';
import type { MultiChange, Op, RaftChange } from './helpers';
import { multiLog, plainMulti, plainRaft, raftLog, removeTempDirs, tempDir } from './helpers';

type Cmd<A = MultiChange> =
  | { readonly kind: 'append'; readonly changes: readonly A[] }
  | { readonly kind: 'sync' }
  | { readonly kind: 'snapshot'; readonly keep: number }
  | { readonly kind: 'crash' };

const ballot = fc.record({ round: fc.integer({ min: 0, max: 6 }), node: fc.integer({ min: 1, max: 3 }) });
const value = fc.oneof(
  fc.constant({ kind: 'noop' as const }),
  fc.record({ kind: fc.constant('batch' as const), commands: fc.array(fc.record({ client: fc.constantFrom('a', 'b'), seq: fc.nat(9), op: fc.record({ set: fc.constantFrom('S12', 'S14'), value: fc.string({ maxLength: 6 }) }) }), { minLength: 1, maxLength: 2 }) }),
);
const slot = fc.integer({ min: 0, max: 40 });
const change: fc.Arbitrary<MultiChange> = fc.oneof(
  fc.record({ kind: fc.constant('promise' as const), ballot }),
  fc.record({ kind: fc.constant('vote' as const), slot, ballot, value }),
  fc.record({ kind: fc.constant('learned' as const), slot, value }),
);
function commands<A>(changes: fc.Arbitrary<A>): fc.Arbitrary<Cmd<A>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), changes: fc.array(changes, { minLength: 1, maxLength: 4 }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'sync' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), keep: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
  );
}
const cmd = commands(change);

/** A protocol as the property sees it: its fold, its recovery, a comparable form of its record. */
interface Subject<C, R, A> {
  fold(changes: readonly C[], from?: R): R | undefined;
  recover(recovered: Recovered<C, R>): R | undefined;
  plain(record: R | undefined): unknown;
  /** Turns a generated change into a valid one after `all` (Raft's appends and cuts must fit the log). */
  materialize(generated: A, all: readonly C[]): C;
}

const multiPaxos: Subject<MultiChange, MultiRecord<Op>, MultiChange> = {
  fold: (changes, from) => changes.reduce<MultiRecord<Op> | undefined>((r, c) => foldChange(r, c), from),
  recover: (recovered) => recoverMultiPaxos(recovered),
  plain: plainMulti,
  materialize: (c) => c,
};

type Log = DurableLog<MultiChange, MultiRecord<Op>>;

/** A Raft change before it is fitted to the log: `at` in [0, 100] picks the index. */
type RaftGenerated =
  | { readonly kind: 'hard-state'; readonly currentTerm: number; readonly votedFor: number }
  | { readonly kind: 'append'; readonly at: number; readonly terms: readonly number[]; readonly value: string }
  | { readonly kind: 'truncate'; readonly at: number };

const raftChange: fc.Arbitrary<RaftGenerated> = fc.oneof(
  fc.record({ kind: fc.constant('hard-state' as const), currentTerm: fc.nat(9), votedFor: fc.nat(3) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), at: fc.integer({ min: 0, max: 100 }), terms: fc.array(fc.nat(9), { minLength: 1, maxLength: 3 }), value: fc.string({ maxLength: 4 }) }) },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: 100 }) }),
);

const raft: Subject<RaftChange, RaftRecord<Op>, RaftGenerated> = {
  fold: (changes, from) => changes.reduce<RaftRecord<Op> | undefined>((r, c) => persistChange(r, c), from),
  recover: (recovered) => recoverRaft(recovered),
  plain: plainRaft,
  materialize(g, all) {
    const size = raft.fold(all)?.log.size ?? 0;
    const index = (at: number): number => 1 + Math.floor((at / 100) * size);
    switch (g.kind) {
      case 'hard-state':
        return g;
      case 'append':
        return { kind: 'append', index: index(g.at), entries: g.terms.map((term, k) => (k === 0 ? { term, kind: 'noop' as const } : { term, kind: 'command' as const, command: { client: 'c', seq: k, op: { set: 'S12', value: g.value } } })) };
      case 'truncate':
        return { kind: 'truncate', from: index(g.at) };
    }
  },
};

/** Runs `cmds`; `restart` crashes the log (dropping what was not synced) and opens a new one on the same disk. */
async function check<C, R, A>(cmds: readonly Cmd<A>[], subject: Subject<C, R, A>, start: () => DurableLog<C, R>, restart: (log: DurableLog<C, R>) => Promise<DurableLog<C, R>>): Promise<void> {
  let log = start();
  const recoveredOnce = await log.open();
  expect(recoveredOnce.changes).to.deep.equal([]);
  let all: C[] = [];
  let synced = 0;
  const expectRecovered = async (): Promise<void> => {
    log = await restart(log);
    const recovered = await log.open();
    expect(recovered.truncatedTail).to.equal(undefined);
    expect(subject.plain(subject.recover(recovered))).to.deep.equal(subject.plain(subject.fold(all)));
  };
  for (const c of cmds) {
    switch (c.kind) {
      case 'append': {
        const changes: C[] = [];
        for (const g of c.changes) changes.push(subject.materialize(g, [...all, ...changes]));
        log.append(changes);
        all = [...all, ...changes];
        break;
      }
      case 'sync':
        await log.sync();
        synced = all.length;
        break;
      case 'snapshot': {
        const keep = Math.min(c.keep, all.length);
        const record = subject.fold(all.slice(0, all.length - keep));
        if (record === undefined) break;
        await log.writeSnapshot(record, all.slice(all.length - keep));
        synced = all.length;
        break;
      }
      case 'crash':
        all = all.slice(0, synced);
        await expectRecovered();
        break;
    }
  }
  all = all.slice(0, synced);
  await expectRecovered();
  await log.close();
}

describe('storage: recovery returns exactly the synced prefix (property)', () => {
  afterEach(removeTempDirs);

  it('file log: any appends, syncs, snapshots and crashes recover the synced changes, folded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 14 }), async (cmds) => {
        const dir = tempDir();
        const restart = async (log: Log): Promise<Log> => {
          await log.close();
          return multiLog(dir);
        };
        await check(cmds, multiPaxos, () => multiLog(dir), restart);
      }),
      { numRuns: 40 },
    );
  });

  it('file log, Raft: hard state, appends and cuts recover to persistChange over the synced prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commands(raftChange), { maxLength: 14 }), async (cmds) => {
        const dir = tempDir();
        const restart = async (log: DurableLog<RaftChange, RaftRecord<Op>>): Promise<DurableLog<RaftChange, RaftRecord<Op>>> => {
          await log.close();
          return raftLog(dir);
        };
        await check(cmds, raft, () => raftLog(dir), restart);
      }),
      { numRuns: 25 },
    );
  });

  it('memory log: the same, with crash() and a new log over the same disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 20 }), async (cmds) => {
        const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
        const make = (): MemoryLog<MultiChange, MultiRecord<Op>> => new MemoryLog({ disk, ...multiPaxosCodecs<Op>() });
        const restart = (log: Log): Promise<Log> => {
          (log as MemoryLog<MultiChange, MultiRecord<Op>>).crash();
          return Promise.resolve(make());
        };
        await check(cmds, multiPaxos, make, restart);
      }),
      { numRuns: 200 },
    );
  });

  it('a log that keeps an unsynced change after a crash is caught (the check can fail)', async () => {
    // A broken memory log whose crash keeps the buffered changes: the property must reject it.
    const disk = new MemoryDisk<MultiChange, MultiRecord<Op>>();
    const cmds: Cmd[] = [{ kind: 'append', changes: [{ kind: 'promise', ballot: { round: 3, node: 1 } }] }, { kind: 'crash' }];
    const leaky = async (log: Log): Promise<Log> => {
      await log.sync();
      return new MemoryLog({ disk });
    };
    let failed = false;
    await check(cmds, multiPaxos, () => new MemoryLog({ disk }), leaky).catch(() => {
      failed = true;
    });
    expect(failed).to.equal(true);
  });
});
