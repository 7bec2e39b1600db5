/**
 * Log compaction and the snapshot message of Multi-Paxos (lib/multipaxos/learner.ts `compact`,
 * `install`, `onSnapshot`; acceptor.ts `onPrepare`; leader.ts `onPromise`, `onCatchup`):
 * - compaction folds exactly the applied prefix into a snapshot (replica and sessions, the slot
 *   it covers up to), persisted, and drops the log entries and votes below it, nothing above;
 * - a lagging follower that asks for compacted slots is sent the leader's applied state and
 *   installs it, persists it, and continues from there; an older or duplicate one changes nothing;
 * - the hole rule: a candidate whose promise comes from an acceptor that compacted past a hole
 *   installs the snapshot the promise carries and never fills a compacted slot with a no-op
 *   (the zoo's follower-fills-hole-below-snapshot does, and the invariants catch it);
 * - recovery from a record with a snapshot; a retry of a compacted command gets its cached reply;
 * - the invariants with compaction: a divergent applied state is caught where the logs are gone;
 * - the simulator under every fault with compaction on, and the checker's snapshot rows.
 */
import { expect } from 'chai';
import * as vec from '../../lib/core/vector';
import * as ballots from '../../lib/paxos/ballot';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Command } from '../../lib/machine/command';
import { lookup, toObject } from '../../lib/core/hashmap';
import type { MultiMessage, MultiPromise } from '../../lib/multipaxos/messages';
import type { DurableChange, MultiEffect, MultiNodeState, MultiRecord } from '../../lib/multipaxos/node';
import { configProblem, EMPTY_RECORD, foldChange, multiPaxosProtocol, record, REAL_ROLES } from '../../lib/multipaxos/node';
import { describeMessage } from '../../lib/multipaxos/format';
import { multiPaxosMutant } from '../../lib/zoo/multipaxos';
import { appliedText, checkLog, logPrefixAgreement } from '../../lib/invariants/log';
import type { ReplicaView } from '../../lib/invariants/log';
import { encodeMultiRecord, checkMultiPaxosOrThrow } from '../../lib/check/multipaxos';
import { MULTIPAXOS_PINNED } from '../../proofs/configurations';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import type { MultiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { simulate } from '../../lib/sim/simulator';
import { simOptions } from '../../lib/sim/options';
import { main } from '../../lib/cli/main';
import { FAULTS, failure } from '../helpers/multipaxos-sim';
import type { Scripted } from './helpers';
import { elect, expectNoViolations, harborConfig, heartbeat, okReplies, request, scripted } from './helpers';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Effect = MultiEffect<KvOp, KvResult>;
type T = Scripted<KvState, KvOp, KvResult>;

const put = (client: string, seq: number, value: number): Command<KvOp> => ({ client, seq, op: { type: 'put', key: 'x', value } });

function cluster(snapshotEvery: number | undefined, roles = REAL_ROLES): T {
  return scripted(harborConfig(kvStore, snapshotEvery === undefined ? {} : { snapshotEvery }), roles);
}

function view(s: State): ReplicaView<KvOp> {
  const v = { id: s.id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit };
  return s.learner.snapshot === null ? v : { ...v, base: s.learner.snapshot.slot, applied: appliedText(s.learner.replica) };
}

/** Every invariant of lib/invariants/log.ts from scratch over the cluster, with the snapshots' views. */
function expectLogInvariants(t: T): void {
  const nodes = [...t.cluster.states.values()].map(view);
  expect(checkLog({ quorums: t.config.quorums, nodes, messages: t.cluster.sent, requested: t.cluster.requests, acks: [] }).map((v) => v.description)).to.deep.equal([]);
}

/** Commits puts c#1..c#n at leader 1, one at a time, every message delivered. */
function commit(t: T, n: number, client = 'c'): void {
  for (let seq = 1; seq <= n; seq += 1) {
    request(t, 1, put(client, seq, seq));
    t.cluster.deliverAll();
  }
}

const persisted = (effects: readonly Effect[]): DurableChange<KvOp>[] => effects.flatMap((e) => (e.type === 'persist' ? [e.change] : []));

describe('lib/multipaxos: log compaction and the snapshot message', () => {
  describe('compaction', () => {
    it('folds exactly the applied prefix into a snapshot every `snapshotEvery` slots, and drops the log entries and votes below it, nothing above', () => {
      const t = cluster(2);
      elect(t, 1);
      commit(t, 5);
      heartbeat(t, 1);
      for (const id of [1, 2, 3]) {
        const s = t.cluster.state(id);
        expect(s.learner.commit, `node ${id} commit`).to.equal(5);
        expect(s.learner.snapshot?.slot, `node ${id} snapshot`).to.equal(4);
        expect(vec.range(s.learner.log, 0, 4).every((e) => e === undefined), 'no log entry below the snapshot').to.equal(true);
        expect(vec.get(s.learner.log, 4), 'the slot above it stays').to.deep.equal({ kind: 'batch', commands: [put('c', 5, 5)] });
        expect(vec.range(s.acceptor.votes, 0, 4).every((v) => v === undefined), 'no vote below the snapshot').to.equal(true);
        expect(vec.get(s.acceptor.votes, 4)?.value).to.deep.equal({ kind: 'batch', commands: [put('c', 5, 5)] });
        // The snapshot is the replica at slot 4: x = 4 and the session of c at seq 4; the replica at 5 goes on.
        expect(toObject(s.learner.snapshot!.replica.machine)).to.deep.equal({ x: 4 });
        expect(lookup(s.learner.snapshot!.replica.sessions, 'c')?.seq).to.equal(4);
        expect(toObject(s.learner.replica.machine)).to.deep.equal({ x: 5 });
        // The durable record the harness folded from the persist effects is the node's record.
        expect(encodeMultiRecord(t.cluster.durable.get(id))).to.equal(encodeMultiRecord(record(s)));
        expect(t.cluster.durable.get(id)?.snapshot?.slot).to.equal(4);
      }
      expect(t.cluster.state(1).counters.applied).to.equal(5);
      expectNoViolations(t);
      expectLogInvariants(t);
    });

    it('persists the snapshot in the step that compacts, before that step\'s sends', () => {
      // Window 1: c#2 waits, and goes out in the step that chooses (and compacts) c#1.
      const t = scripted(harborConfig(kvStore, { snapshotEvery: 1, window: 1 }));
      elect(t, 1);
      request(t, 1, put('c', 1, 1));
      request(t, 1, put('d', 1, 2));
      t.cluster.deliver((m) => m.type === 'accept' && m.to === 2);
      const step = t.cluster.deliver((m) => m.type === 'accepted' && m.to === 1);
      expect(persisted(step.effects).map((c) => c.kind)).to.deep.equal(['learned', 'snapshot', 'vote']);
      expect(persisted(step.effects)[1]).to.deep.include({ kind: 'snapshot', slot: 1 });
      const kinds = step.effects.map((e) => e.type);
      expect(kinds.indexOf('send'), 'the step sends (the accepts of c#2)').to.be.greaterThan(-1);
      expect(kinds.lastIndexOf('persist')).to.be.below(kinds.indexOf('send'));
    });

    it('is off by default: the log and the votes keep every slot', () => {
      const t = cluster(undefined);
      elect(t, 1);
      commit(t, 5);
      const s = t.cluster.state(1);
      expect(s.learner.snapshot).to.equal(null);
      expect(vec.range(s.learner.log, 0, 5).every((e) => e !== undefined)).to.equal(true);
      expect(record(s)).to.not.have.property('snapshot');
    });

    it('refuses a negative or fractional `snapshotEvery`', () => {
      const config = harborConfig(kvStore);
      expect(configProblem({ ...config, snapshotEvery: -1 })).to.match(/snapshotEvery/);
      expect(configProblem({ ...config, snapshotEvery: 1.5 })).to.match(/snapshotEvery/);
      expect(configProblem({ ...config, snapshotEvery: 0 })).to.equal(null);
    });

    it('foldChange: a snapshot replaces the prefix of the log and the votes below its slot; an older one changes nothing', () => {
      const b = ballots.of(41, 1);
      const entry = (v: number) => ({ kind: 'batch' as const, commands: [put('c', v, v)] });
      const t = cluster(undefined);
      const replica = t.cluster.state(1).learner.replica;
      const changes: DurableChange<KvOp>[] = [0, 1, 2, 3].flatMap((slot): DurableChange<KvOp>[] => [
        { kind: 'vote', slot, ballot: b, value: entry(slot) },
        { kind: 'learned', slot, value: entry(slot) },
      ]);
      const before = changes.reduce<MultiRecord<KvOp> | undefined>((d, c) => foldChange(d, c), undefined)!;
      const after = foldChange(before, { kind: 'snapshot', slot: 3, replica });
      expect(after.snapshot).to.deep.equal({ slot: 3, replica });
      expect(vec.range(after.log, 0)).to.deep.equal([undefined, undefined, undefined, entry(3)]);
      expect(vec.range(after.votes, 0).map((v) => v?.value)).to.deep.equal([undefined, undefined, undefined, entry(3)]);
      expect(foldChange(after, { kind: 'snapshot', slot: 2, replica })).to.equal(after);
      expect(foldChange(after, { kind: 'snapshot', slot: 3, replica })).to.equal(after);
      expect(EMPTY_RECORD).to.not.have.property('snapshot');
    });
  });

  describe('the snapshot message', () => {
    /** Node 3 misses everything while node 1 commits `n` commands (snapshot every 2), then hears a heartbeat. */
    function lagging(n: number): T {
      const t = cluster(2);
      elect(t, 1);
      for (let seq = 1; seq <= n; seq += 1) {
        request(t, 1, put('c', seq, seq));
        t.cluster.drop((m) => m.to === 3);
        t.cluster.deliverAll();
      }
      expect(t.cluster.state(3).learner.commit).to.equal(0);
      for (let i = 0; i < t.config.heartbeat; i += 1) t.cluster.timeout(1);
      t.cluster.deliverAll((m) => m.type === 'heartbeat' && m.to === 3);
      return t;
    }

    it('a follower behind the leader\'s snapshot asks to catch up and is sent the applied state, installs it, persists it, and continues from there', () => {
      const t = lagging(5);
      const ask = t.cluster.deliver((m) => m.type === 'catchup' && m.to === 1);
      const sent = ask.effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
      expect(sent.map((m) => m.type)).to.deep.equal(['snapshot']);
      expect(sent[0]).to.deep.include({ from: 1, to: 3, slot: 5 });
      expect(describeMessage(sent[0]!)).to.equal('n1 -> n3 : snapshot ballot 41.1 applied state of slots below 5 (1 client sessions)');
      const installed = t.cluster.deliver((m) => m.type === 'snapshot' && m.to === 3);
      expect(installed.ignored).to.equal(undefined);
      expect(persisted(installed.effects)).to.have.length(1);
      expect(persisted(installed.effects)[0]).to.deep.include({ kind: 'snapshot', slot: 5 });
      const s3 = t.cluster.state(3);
      expect([s3.learner.commit, s3.learner.snapshot?.slot]).to.deep.equal([5, 5]);
      expect(s3.learner.replica).to.deep.equal(t.cluster.state(1).learner.replica);
      expect(t.cluster.durable.get(3)?.snapshot?.slot).to.equal(5);
      expect(t.cluster.state(1).counters.sent.snapshot).to.equal(1);
      // It continues from there: the next command is applied at node 3 too.
      request(t, 1, put('c', 6, 6));
      t.cluster.deliverAll();
      heartbeat(t, 1);
      expect(t.cluster.state(3).learner.commit).to.equal(6);
      expect(toObject(t.cluster.state(3).learner.replica.machine)).to.deep.equal({ x: 6 });
      expectNoViolations(t);
      expectLogInvariants(t);
    });

    it('a follower behind but above the snapshot is sent the values (learn), as without compaction', () => {
      const t = cluster(4);
      elect(t, 1);
      commit(t, 4);
      heartbeat(t, 1);
      request(t, 1, put('c', 5, 5));
      t.cluster.drop((m) => m.to === 3);
      t.cluster.deliverAll();
      heartbeat(t, 1);
      expect(t.cluster.sent.filter((m) => m.type === 'learn' && m.to === 3)).to.have.length(1);
      expect(t.cluster.sent.filter((m) => m.type === 'snapshot')).to.have.length(0);
      expect(t.cluster.state(3).learner.commit).to.equal(5);
    });

    it('an older or duplicate snapshot changes nothing', () => {
      const t = lagging(5);
      t.cluster.deliver((m) => m.type === 'catchup' && m.to === 1);
      const snapshot = t.cluster.sent.find((m) => m.type === 'snapshot')!;
      t.cluster.deliver((m) => m.type === 'snapshot');
      const s3 = t.cluster.state(3);
      const again = t.cluster.protocol.deliver(s3, snapshot);
      expect(again.state).to.equal(s3);
      expect(again.effects).to.deep.equal([]);
      expect(again.ignored).to.match(/not ahead of the commit point 5/);
      const older = t.cluster.protocol.deliver(s3, { ...snapshot, slot: 2, replica: t.cluster.state(2).learner.snapshot!.replica } as MultiMessage<KvOp>);
      expect([older.state, older.effects.length]).to.deep.equal([s3, 0]);
      // A leader never installs: it learns from its own quorum.
      const atLeader = t.cluster.protocol.deliver(t.cluster.state(1), { ...snapshot, to: 1, slot: 9 } as MultiMessage<KvOp>);
      expect(atLeader.ignored).to.equal('a leader learns from its own quorum');
    });

    it('an accept for a slot below the snapshot is dropped: that slot is chosen and compacted', () => {
      const t = cluster(2);
      elect(t, 1);
      commit(t, 2);
      heartbeat(t, 1);
      const s2 = t.cluster.state(2);
      expect(s2.learner.snapshot?.slot).to.equal(2);
      const late = t.cluster.sent.find((m) => m.type === 'accept' && m.to === 2 && m.slot === 0)!;
      const step = t.cluster.protocol.deliver(s2, late);
      expect([step.state, step.effects.length]).to.deep.equal([s2, 0]);
      expect(step.ignored).to.match(/compacted into its snapshot/);
    });
  });

  describe('the hole rule: a compacted slot is never filled with a no-op', () => {
    /**
     * Snapshot every slot. Node 1 leads 41.1: c#1 is chosen in slot 0 by nodes 1 and 3, and
     * node 1 compacts it; node 1 proposes c#2 in slot 1 and only it votes there. Node 2, which
     * never voted, campaigns in 41.2 and hears node 1's promise alone: no vote in slot 0 (it
     * was compacted), its vote in slot 1, and its snapshot.
     */
    function holeBelowSnapshot(roles = REAL_ROLES): { t: T; promise: MultiPromise<KvOp> } {
      const t = cluster(1, roles);
      elect(t, 1);
      request(t, 1, put('c', 1, 1));
      t.cluster.drop((m) => m.to === 2);
      t.cluster.deliverAll();
      request(t, 1, put('c', 2, 2));
      t.cluster.drop((m) => m.type === 'accept');
      expect(t.cluster.state(1).learner.snapshot?.slot).to.equal(1);
      for (let i = 0; t.cluster.state(2).leader.role !== 'candidate'; i += 1) {
        if (i > 20) throw new Error('node 2 never campaigned');
        t.cluster.timeout(2);
      }
      t.cluster.drop((m) => m.type === 'prepare' && m.to === 3);
      t.cluster.deliver((m) => m.type === 'prepare' && m.to === 1);
      const promise = t.cluster.sent.find((m): m is MultiPromise<KvOp> => m.type === 'promise' && m.from === 1 && m.to === 2)!;
      return { t, promise };
    }

    it('the promise of an acceptor that compacted past the prepare\'s first slot carries its applied state', () => {
      const { promise } = holeBelowSnapshot();
      expect(promise.slot).to.equal(0);
      expect(promise.entries.map((e) => e.slot)).to.deep.equal([1]);
      expect(promise.snapshot?.slot).to.equal(1);
      expect(toObject(promise.snapshot!.replica.machine as KvState)).to.deep.equal({ x: 1 });
      expect(describeMessage(promise)).to.match(/from slot 0 \(1 votes, a snapshot of slots below 1\)$/);
    });

    it('the candidate installs it first, then leads from its new commit point: slot 1 gets c#2, slot 0 nothing', () => {
      const { t } = holeBelowSnapshot();
      t.cluster.deliver((m) => m.type === 'promise' && m.to === 2);
      const s2 = t.cluster.state(2);
      expect(s2.leader.role).to.equal('leader');
      expect([s2.learner.commit, s2.learner.snapshot?.slot]).to.deep.equal([1, 1]);
      const proposed = t.cluster.sent.filter((m) => m.type === 'accept' && m.from === 2);
      expect(proposed.map((m) => (m.type === 'accept' ? [m.slot, m.value] : null))).to.deep.equal([
        [1, { kind: 'batch', commands: [put('c', 2, 2)] }],
        [1, { kind: 'batch', commands: [put('c', 2, 2)] }],
      ]);
      t.cluster.deliverAll();
      heartbeat(t, 2);
      expect(toObject(t.cluster.state(2).learner.replica.machine)).to.deep.equal({ x: 2 });
      expectNoViolations(t);
      expectLogInvariants(t);
    });

    it('follower-fills-hole-below-snapshot (the zoo) ignores the snapshot, proposes a no-op in the chosen slot 0, and the invariants catch it', () => {
      const { t } = holeBelowSnapshot(multiPaxosMutant('follower-fills-hole-below-snapshot')!.roles);
      t.cluster.deliver((m) => m.type === 'promise' && m.to === 2);
      const noop = t.cluster.sent.filter((m) => m.type === 'accept' && m.from === 2 && m.slot === 0);
      expect(noop.map((m) => (m.type === 'accept' ? m.value : null))).to.deep.include({ kind: 'noop' });
      t.cluster.deliverAll();
      expect(t.violations.map((v) => v.invariant)).to.include('VotesSafe');
      expect(t.violations.map((v) => v.invariant)).to.include('Agreement');
    });
  });

  describe('recovery and replies', () => {
    it('a node restarts from a record with a snapshot: the replica, sessions and commit point at its slot, then the log after it', () => {
      const t = cluster(2);
      elect(t, 1);
      commit(t, 5);
      heartbeat(t, 1);
      const before = t.cluster.state(2);
      t.cluster.crash(2);
      t.cluster.restart(2);
      const after = t.cluster.state(2);
      expect(after.learner.snapshot?.slot).to.equal(4);
      expect(after.learner.commit).to.equal(5);
      expect(after.learner.replica).to.deep.equal(before.learner.replica);
      expect(encodeMultiRecord(record(after))).to.equal(encodeMultiRecord(record(before)));
      const protocol = multiPaxosProtocol(t.config);
      expect(protocol.recover(2, t.cluster.durable.get(2)).learner.commit).to.equal(5);
      expectNoViolations(t);
    });

    it('a client whose command was compacted away gets its cached reply, from the leader and from any replica', () => {
      const t = cluster(1);
      elect(t, 1);
      commit(t, 3);
      heartbeat(t, 1);
      expect(t.cluster.state(1).learner.snapshot?.slot).to.equal(3);
      const first = okReplies(t, 'c', 2);
      for (const node of [1, 3]) {
        request(t, node, put('c', 3, 3));
        expect(t.replies[t.replies.length - 1]).to.deep.include({ node, client: 'c', seq: 3, reply: { status: 'ok', result: okReplies(t, 'c', 3)[0] } });
      }
      expect(first).to.have.length(1);
      expect(t.cluster.state(1).learner.commit, 'a retry is not proposed again').to.equal(3);
    });
  });

  describe('the invariants with compaction', () => {
    it('LogPrefixAgreement compares applied states where the logs are gone, and catches a divergent one', () => {
      const t = cluster(2);
      elect(t, 1);
      commit(t, 4);
      heartbeat(t, 1);
      const views = [1, 2, 3].map((id) => view(t.cluster.state(id)));
      expect(views.every((v) => v.base === 4 && v.commit === 4)).to.equal(true);
      expect(logPrefixAgreement(views)).to.equal(null);
      const other = cluster(2);
      elect(other, 1);
      for (let seq = 1; seq <= 4; seq += 1) {
        request(other, 1, put('c', seq, seq === 3 ? 99 : seq));
        other.cluster.deliverAll();
      }
      const forged = { ...view(other.cluster.state(1)), id: 3 };
      const v = logPrefixAgreement([views[0]!, views[1]!, forged]);
      expect(v?.invariant).to.equal('LogPrefixAgreement');
      expect(v?.description).to.match(/both applied slots 0\.\.3 but hold different states/);
    });
  });

  describe('the simulator with compaction on (synod sim --snapshot-every N)', function () {
    this.timeout(300_000);

    /** The subject, counting what its monitor sees: snapshots sent, in promises or as messages. */
    function counting(subject: MultiPaxosSubject): { subject: MultiPaxosSubject; seen: { snapshots: number; inPromises: number } } {
      const seen = { snapshots: 0, inPromises: 0 };
      return {
        seen,
        subject: {
          ...subject,
          monitor: () => {
            const inner = subject.monitor!();
            return {
              state: (i, s) => inner.state(i, s),
              command: (c) => inner.command(c),
              observed: (n, e) => inner.observed(n, e),
              violated: () => inner.violated(),
              sent: (m) => {
                if (m.type === 'snapshot') seen.snapshots += 1;
                if (m.type === 'promise' && m.snapshot !== undefined) seen.inPromises += 1;
                inner.sent(m);
              },
            };
          },
        },
      };
    }

    for (const [nodes, seeds, every] of [[3, 150, 3], [5, 60, 2]] as const) {
      it(`${nodes} nodes, ${seeds} seeds under every fault, a snapshot every ${every} slots: zero violations, linearizable, everything committed after the heal, snapshots installed`, () => {
        const { subject, seen } = counting(multiPaxosSubject({ nodes, snapshotEvery: every }));
        const failures: string[] = [];
        let committed = 0;
        let crashes = 0;
        for (let seed = 1; seed <= seeds; seed += 1) {
          const r = simulate(subject, simOptions({ seed, steps: 1200, clients: 4, commands: 100, ...FAULTS }));
          const f = failure(r);
          if (f !== null) failures.push(f);
          expect(r.report?.fields['linearizable'], `seed ${seed}`).to.equal(true);
          committed += Number(r.report?.fields['committed'] ?? 0);
          crashes += r.stats.crashes;
        }
        expect(failures).to.deep.equal([]);
        expect(committed, 'commands committed').to.be.greaterThan(10 * seeds);
        expect(crashes, 'crashes (restarts from records with snapshots)').to.be.greaterThan(2 * seeds);
        expect(seen.snapshots, 'snapshot messages').to.be.greaterThan(seeds / 10);
        expect(seen.inPromises, 'promises carrying a snapshot').to.be.greaterThan(seeds / 10);
      });
    }

    it('--snapshot-every: in the JSON and the reproduce line; refused where it does not apply', async () => {
      let out = '';
      const io = { out: (s: string) => { out += s; }, err: () => undefined };
      const code = await main(['sim', '--protocol', 'multipaxos', '--nodes', '3', '--snapshot-every', '3', '--seed', '2', '--steps', '800', '--crashes', '--json'], io);
      const json = JSON.parse(out) as Record<string, unknown>;
      expect([code, json['snapshotEvery'], json['linearizable']]).to.deep.equal([0, 3, true]);
      expect(String(json['reproduce'])).to.contain('--snapshot-every 3');
      const quiet = { out: () => undefined, err: () => undefined };
      expect(await main(['sim', '--protocol', 'multipaxos', '--snapshot-every', '0', '--seed', '1'], quiet)).to.equal(2);
      expect(await main(['sim', '--protocol', 'single-decree', '--snapshot-every', '2', '--seed', '1'], quiet)).to.equal(2);
    });
  });

  describe('the model checker\'s snapshot rows', () => {
    for (const pinned of MULTIPAXOS_PINNED.filter((p) => p.options.snapshotEvery !== undefined && p.states < 20_000)) {
      it(`${pinned.name}: ${pinned.states} states, every invariant holds, a compacted prefix is sent as a snapshot`, () => {
        const r = checkMultiPaxosOrThrow(pinned.options);
        expect([r.complete, r.violations.length]).to.deep.equal([true, 0]);
        expect([r.states, r.transitions, r.depth]).to.deep.equal([pinned.states, pinned.transitions, pinned.depth]);
        expect(Object.values(r.sometimes).every((s) => s.holds)).to.equal(true);
        expect(r.sometimes['a compacted prefix is sent as a snapshot']?.holds).to.equal(true);
      });
    }

    it('without compaction the snapshot property is not claimed, and the pinned rows are unchanged', () => {
      const r = checkMultiPaxosOrThrow({ nodes: 3, commands: 1, timers: 2, maxRound: 1, crashes: 0, network: 'set' });
      expect(Object.keys(r.sometimes)).to.deep.equal(['a command is applied', 'a new leader takes over']);
      expect(r.states).to.equal(2_180);
    });
  });
});
