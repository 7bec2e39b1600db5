/**
 * The learned-based checks of Raft runs (lib/raft/learned.ts), from scratch and incremental:
 * each violation is found by both, and a correct run under every fault passes both at every
 * step (the simulator's `full` mode runs `checkLearned` after each step beside the monitor and
 * fails if they disagree).
 */
import { expect } from 'chai';
import * as ballots from '../../lib/paxos/ballot';
import { majorities } from '../../lib/paxos/quorum';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { Entry } from '../../lib/multipaxos/messages';
import type { MultiEffect, MultiNodeState } from '../../lib/multipaxos/node';
import { initMultiNode } from '../../lib/multipaxos/node';
import * as vec from '../../lib/core/vector';
import { LearnedMonitor, checkLearned } from '../../lib/raft/learned';
import { RAFT } from '../../lib/raft/policy';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import { simOptions } from '../../lib/sim/options';
import { simulate } from '../../lib/sim/simulator';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Effect = MultiEffect<KvOp, KvResult>;

const config = { quorums: majorities(2), machine: kvStore, window: 1, batch: 1, heartbeat: 1, electionTimeout: 3, seed: 1, policy: RAFT };
const x: Entry<KvOp> = { kind: 'batch', commands: [{ client: 'x', seq: 1, op: { type: 'put', key: 'k', value: 1 } }], term: ballots.of(1, 1) };
const y: Entry<KvOp> = { kind: 'batch', commands: [{ client: 'y', seq: 1, op: { type: 'put', key: 'k', value: 2 } }], term: ballots.of(2, 2) };

function node(id: number, log: (Entry<KvOp> | undefined)[], commit: number): State {
  let v = vec.emptyVector<Entry<KvOp>>();
  log.forEach((e, i) => {
    if (e !== undefined) v = vec.set(v, i, e);
  });
  return { ...initMultiNode(config, id), log: v, commit };
}

function monitorFind(states: State[], effects: { node: number; effect: Effect }[]): string[] {
  const m = new LearnedMonitor<KvOp>();
  for (const { node: n, effect } of effects) m.effect(n, effect);
  for (const s of states) m.state(s);
  m.violated();
  return m.failed.map((v) => v.invariant);
}

describe('learned-based checks for Raft runs (lib/raft/learned.ts)', () => {
  it('Agreement and LogPrefixAgreement: two replicas learned different commands at one slot', () => {
    const states = [node(1, [x], 1), node(2, [y], 1)];
    const effects = [
      { node: 1, effect: { type: 'chosen', slot: 0, value: x } as Effect },
      { node: 2, effect: { type: 'chosen', slot: 0, value: y } as Effect },
    ];
    const found = checkLearned(states, effects);
    expect(found.map((v) => v.invariant)).to.deep.equal(['Agreement', 'LogPrefixAgreement']);
    expect(found[0]!.description).to.equal('node 1 learned x#1@t1.1 at slot 0, node 2 learned y#1@t2.2');
    expect(monitorFind(states, effects)).to.include('Agreement');
  });

  it('ChosenIsStable: a replica no longer holds what it learned', () => {
    const effects = [{ node: 1, effect: { type: 'chosen', slot: 0, value: x } as Effect }];
    expect(checkLearned([node(1, [], 0)], effects).map((v) => v.invariant)).to.deep.equal(['ChosenIsStable']);
    const m = new LearnedMonitor<KvOp>();
    m.effect(1, effects[0]!.effect);
    m.state(node(1, [x], 1));
    m.state(node(1, [], 0));
    expect(m.violated()).to.equal(true);
    expect(m.failed.map((v) => v.invariant)).to.deep.equal(['ChosenIsStable']);
  });

  it('AckImpliesChosen: a command acknowledged that no replica learned', () => {
    const ack = { type: 'reply', node: 1, client: 'y', seq: 1, reply: { status: 'ok', result: { ok: true, value: null } } } as Effect;
    expect(checkLearned([node(1, [x], 1)], [{ node: 1, effect: ack }]).map((v) => v.invariant)).to.deep.equal(['AckImpliesChosen']);
    expect(monitorFind([node(1, [x], 1)], [{ node: 1, effect: ack }])).to.deep.equal(['AckImpliesChosen']);
    // A command learned only through a replica's log (its `chosen` effect lost in a crash) counts.
    expect(checkLearned([node(1, [y], 1)], [{ node: 1, effect: ack }])).to.deep.equal([]);
  });

  it('PromiseKept: a vote above the promise', () => {
    const s: State = { ...node(1, [], 0), votes: vec.set(node(1, [], 0).votes, 0, { ballot: ballots.of(3, 2), value: y }) };
    expect(checkLearned([s], []).map((v) => v.invariant)).to.deep.equal(['PromiseKept']);
    const m = new LearnedMonitor<KvOp>();
    m.state(s);
    m.message({ type: 'accepted', from: 1, to: 2, ballot: ballots.of(3, 2), slot: 0, value: y });
    expect(m.violated()).to.equal(true);
  });

  it('a correct Raft run passes both at every step (the simulator\'s full mode compares them)', () => {
    const subject = multiPaxosSubject({ nodes: 3, policy: RAFT });
    for (let seed = 1; seed <= 5; seed += 1) {
      const r = simulate(subject, simOptions({ seed, steps: 800, clients: 3, commands: 50, loss: 0.05, dup: 0.05, partitions: true, crashes: true, check: 'full' }));
      expect(r.violations, `seed ${seed}`).to.deep.equal([]);
      expect(r.report?.ok, `seed ${seed}`).to.equal(true);
    }
  });
});
