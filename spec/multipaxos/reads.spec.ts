/**
 * Reads outside the log (lib/multipaxos/reads.ts): read-index, leases and follower reads, each
 * on a scripted cluster; then the simulator under every fault with clients that read in each
 * mode (linearizable histories, zero violations); then the read mutants of the bug zoo, each
 * caught by the linearizability checker (in the simulator within a pinned number of seeds, or
 * on the story's directed schedule) while the real roles hold on the same schedules.
 */
import { expect } from 'chai';
import { Cluster } from '../../lib/harness/cluster';
import type { KvOp, KvResult, KvState } from '../../lib/machine/kv';
import { kvStore } from '../../lib/machine/kv';
import type { MultiMessage } from '../../lib/multipaxos/messages';
import type { ClientRequest, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord, Roles } from '../../lib/multipaxos/node';
import { configProblem, leaseTicks, multiPaxosProtocol } from '../../lib/multipaxos/node';
import { majorities } from '../../lib/paxos/quorum';
import { multiPaxosSubject } from '../../lib/sim/multipaxos-subject';
import type { ReadChoice } from '../../lib/sim/multipaxos-subject';
import type { SimOptions } from '../../lib/sim/options';
import { simOptions } from '../../lib/sim/options';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import { multiPaxosMutant } from '../../lib/zoo/multipaxos';
import { harborPointReads } from '../../lib/demo/reads';
import { main } from '../../lib/cli/main';
import { FAULTS, HUNT, readsOf, runSeeds } from '../helpers/sim-reads';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Effect = MultiEffect<KvOp, KvResult>;
type Reply = Extract<Effect, { type: 'reply' }>;

const BASE: MultiPaxosConfig<KvState, KvOp, KvResult> = {
  quorums: majorities(3),
  machine: kvStore,
  window: 4,
  batch: 1,
  heartbeat: 1,
  electionTimeout: 3,
  seed: 7,
  startRound: 40,
};
const READS = { query: (op: KvOp) => op.type === 'get' };
const LEASE = { ...READS, lease: { ticks: 6, drift: 0.1 } };

function cluster(config: MultiPaxosConfig<KvState, KvOp, KvResult>, roles?: Roles) {
  const c = new Cluster<State, MultiMessage<KvOp>, Effect, MultiRecord<KvOp>, ClientRequest<KvOp>>(multiPaxosProtocol(config, roles));
  const replies: Reply[] = [];
  c.on((e) => {
    if (e.type === 'effect' && e.effect.type === 'reply') replies.push(e.effect);
  });
  return { c, replies };
}

/** Node 1 leads, with x = 1 chosen and applied everywhere. */
function ledBy1(config: MultiPaxosConfig<KvState, KvOp, KvResult>, roles?: Roles) {
  const t = cluster(config, roles);
  while (t.c.state(1).leader.role !== 'leader') {
    t.c.timeout(1);
    t.c.deliverAll();
  }
  t.c.request(1, { client: 'w', seq: 1, op: { type: 'put', key: 'x', value: 1 } });
  t.c.deliverAll();
  t.c.timeout(1);
  t.c.deliverAll();
  return t;
}

const get = (seq: number, read: ClientRequest<KvOp>['read']): ClientRequest<KvOp> => ({ client: 'r', seq, op: { type: 'get', key: 'x' }, ...(read === undefined ? {} : { read }) });

describe('multipaxos reads: read-index, leases, follower reads', () => {
  it('a get without a mode, or with mode log, is a command in the log as before', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    const slots = t.c.state(1).learner.log.size;
    t.c.request(1, get(1, 'log'));
    t.c.deliverAll();
    expect(t.c.state(1).learner.log.size).to.equal(slots + 1);
    const reply = t.replies.find((r) => r.client === 'r')!;
    expect(reply.reply).to.deep.equal({ status: 'ok', result: { ok: true, value: 1 } });
    expect(reply.read).to.equal(undefined);
  });

  it('read-index: one heartbeat round acknowledged by a quorum, no log slot, the answer labelled', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    const slots = t.c.state(1).learner.log.size;
    const sent = t.c.sent.length;
    t.c.request(1, get(1, 'read-index'));
    expect(t.replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    const round = t.c.inFlight.filter((m) => m.type === 'heartbeat' && m.round !== undefined);
    expect(round.map((m) => m.to).sort()).to.deep.equal([2, 3]);
    t.c.deliver((m) => m.type === 'heartbeat' && m.to === 2);
    t.c.deliver((m) => m.type === 'heartbeat-ack' && m.from === 2);
    const reply = t.replies.find((r) => r.client === 'r')!;
    expect(reply.reply).to.deep.equal({ status: 'ok', result: { ok: true, value: 1 } });
    expect(reply.read).to.deep.equal({ mode: 'read-index', applied: slots, stale: false });
    expect(t.c.state(1).learner.log.size).to.equal(slots);
    // One round: two heartbeats out, and (so far) one acknowledgement back.
    expect(t.c.sent.slice(sent).map((m) => m.type).sort()).to.deep.equal(['heartbeat', 'heartbeat', 'heartbeat-ack']);
    expect(t.c.state(1).counters.reads).to.deep.include({ rounds: 1, served: { log: 0, 'read-index': 1, lease: 0, follower: 0 } });
  });

  it('read-index at a node that does not lead: a redirect to the leader it knows', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    t.c.request(2, get(1, 'read-index'));
    expect(t.replies.find((r) => r.client === 'r')!.reply).to.deep.equal({ status: 'redirect', leader: 1 });
  });

  it('a new leader whose merge left no entry proposes the no-op and serves no read-index read before it is chosen', () => {
    const t = cluster({ ...BASE, reads: READS });
    while (t.c.state(1).leader.role !== 'leader') {
      t.c.timeout(1);
      t.c.deliverAll();
    }
    expect(t.c.state(1).reads.readyAt).to.equal(-1);
    t.c.request(1, get(1, 'read-index'));
    const accepts = t.c.inFlight.filter((m) => m.type === 'accept');
    expect(accepts.map((m) => (m.type === 'accept' ? m.value : null))).to.deep.equal([{ kind: 'noop' }, { kind: 'noop' }]);
    // The round is acknowledged first: still no answer, the no-op is not chosen yet.
    t.c.deliverAll((m) => m.type === 'heartbeat' || m.type === 'heartbeat-ack');
    expect(t.replies.filter((r) => r.client === 'r')).to.deep.equal([]);
    t.c.deliverAll();
    expect(t.replies.find((r) => r.client === 'r')!.read).to.deep.equal({ mode: 'read-index', applied: 1, stale: false });
  });

  it('a write with a read mode still goes through the log', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    const slots = t.c.state(1).learner.log.size;
    t.c.request(1, { client: 'w', seq: 2, op: { type: 'put', key: 'x', value: 2 }, read: 'follower' });
    t.c.deliverAll();
    expect(t.c.state(1).learner.log.size).to.equal(slots + 1);
    expect(t.replies.at(-1)!.read).to.equal(undefined);
  });

  it('lease: answered with no message while the lease runs, and through a round once it expired', () => {
    const t = ledBy1({ ...BASE, reads: LEASE });
    const s = t.c.state(1).reads;
    expect(s.leaseUntil, 'the heartbeat round granted a lease').to.be.greaterThan(s.clock);
    const sent = t.c.sent.length;
    t.c.request(1, get(1, 'lease'));
    expect(t.c.sent.length, 'no message for a lease read').to.equal(sent);
    expect(t.replies.at(-1)!.read).to.deep.equal({ mode: 'lease', applied: t.c.state(1).learner.commit, stale: false });
    // Cut the leader off: its lease runs out on its own clock after leaseTicks ticks.
    t.c.drop(() => true);
    for (let i = 0; i < leaseTicks(LEASE.lease); i += 1) {
      t.c.timeout(1);
      t.c.drop(() => true);
    }
    t.c.request(1, get(2, 'lease'));
    expect(t.replies.filter((r) => r.client === 'r' && r.seq === 2)).to.deep.equal([]);
    expect(t.c.state(1).counters.reads).to.deep.include({ leaseHits: 1, leaseExpiries: 1 });
  });

  it('the lease is shortened by the drift bound: (ticks - 2) x (1 - d) / (1 + d), and a lease too short is refused', () => {
    expect(leaseTicks({ ticks: 6, drift: 0.1 })).to.equal(3);
    expect(leaseTicks({ ticks: 6, drift: 0 })).to.equal(4);
    expect(leaseTicks({ ticks: 12, drift: 0.3 })).to.equal(5);
    expect(configProblem({ ...BASE, reads: { ...READS, lease: { ticks: 3, drift: 0.1 } } })).to.match(/leaves the leader no whole tick/);
    expect(configProblem({ ...BASE, reads: { ...READS, lease: { ticks: 6, drift: 1 } } })).to.match(/drift bound/);
    expect(configProblem({ ...BASE, reads: LEASE })).to.equal(null);
  });

  it('a follower that granted a lease promises no other candidate and does not campaign until it runs out on its clock', () => {
    const t = ledBy1({ ...BASE, reads: LEASE });
    t.c.drop(() => true);
    // Node 2 times out repeatedly: it does not campaign while its grant to node 1 holds.
    const grant = t.c.state(2).reads.grantUntil;
    expect(t.c.state(2).reads.grantTo).to.equal(1);
    while (t.c.state(2).reads.clock < grant - 1) {
      t.c.timeout(2);
      expect(t.c.state(2).leader.role).to.equal('follower');
    }
    // Node 3 campaigns once its own grant ran out; node 2, still bound, does not answer.
    while (t.c.state(3).leader.role === 'follower') t.c.timeout(3);
    const step = t.c.deliver((m) => m.type === 'prepare' && m.to === 2, { keep: true });
    expect(step.ignored).to.match(/lease granted to n1/);
    t.c.timeout(2);
    expect(t.c.state(2).reads.clock).to.equal(grant);
    t.c.deliver((m) => m.type === 'prepare' && m.to === 2 && m.from === 3);
    expect(t.c.inFlight.some((m) => m.type === 'promise' && m.from === 2)).to.equal(true);
  });

  it('a node restarted from its durable record supports nobody for a full lease (it may have granted one it cannot remember)', () => {
    const t = ledBy1({ ...BASE, reads: LEASE });
    t.c.crash(2);
    t.c.restart(2);
    expect(t.c.state(2).reads).to.deep.include({ grantUntil: LEASE.lease.ticks, grantTo: 0 });
    const without = ledBy1({ ...BASE, reads: READS });
    without.c.crash(2);
    without.c.restart(2);
    expect(without.c.state(2).reads).to.deep.include({ grantUntil: 0 });
  });

  it('follower: any node answers from what it applied, labelled stale', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    t.c.drop(() => true);
    t.c.request(3, get(1, 'follower'));
    const reply = t.replies.find((r) => r.client === 'r')!;
    expect(reply.node).to.equal(3);
    expect(reply.read).to.deep.include({ mode: 'follower', stale: true });
  });

  it('a leader that steps down redirects the reads waiting for their round', () => {
    const t = ledBy1({ ...BASE, reads: READS });
    t.c.drop(() => true);
    t.c.request(1, get(1, 'read-index'));
    t.c.drop(() => true);
    while (t.c.state(2).leader.role === 'follower') t.c.timeout(2);
    t.c.deliverAll((m) => m.to !== 1 && m.from !== 1);
    t.c.deliverAll();
    expect(t.replies.find((r) => r.client === 'r')!.reply).to.deep.equal({ status: 'redirect', leader: 2 });
  });
});

function runs(reads: ReadChoice, seeds: number, options: Partial<SimOptions>, mutant?: string, driftBound?: number): SimResult[] {
  const subject = multiPaxosSubject({ nodes: 3, reads, ...(mutant === undefined ? {} : { mutant }), ...(driftBound === undefined ? {} : { driftBound }) });
  return runSeeds(subject, seeds, options);
}


describe('multipaxos reads in the simulator, under every fault', function () {
  this.timeout(300_000);

  const modes: readonly { reads: ReadChoice; seeds: number; options: Partial<SimOptions>; served: readonly string[] }[] = [
    { reads: 'read-index', seeds: 200, options: {}, served: ['read-index'] },
    { reads: 'lease', seeds: 200, options: { drift: 0.1 }, served: ['lease', 'read-index'] },
    { reads: 'mix', seeds: 100, options: { drift: 0.1 }, served: ['log', 'read-index', 'lease', 'follower'] },
  ];
  for (const m of modes) {
    it(`${m.reads} reads${m.options.drift === undefined ? '' : ` (clocks drift ${m.options.drift}, within the bound)`}: ${m.seeds} seeds, zero violations, linearizable histories, settled after the heal`, () => {
      // The lease's bound is the drift the clocks run at: within the bound, and not a hair more.
      const results = runs(m.reads, m.seeds, m.options, undefined, m.options.drift);
      const failures = results.filter((r) => r.violations.length > 0 || r.report?.ok !== true || r.ticksToChosenAfterHeal === null).map((r) => `seed ${r.seed}: ${r.violations[0]?.description ?? JSON.stringify(r.report?.fields)}`);
      expect(failures).to.deep.equal([]);
      const served = readsOf(results);
      // Not vacuous: reads were answered in the modes asked for, and faults happened.
      for (const mode of m.served) expect(served[mode] ?? 0, `${mode} reads served`).to.be.greaterThan(m.seeds / 10);
      expect(results.reduce((n, r) => n + r.stats.crashes, 0)).to.be.greaterThan(m.seeds);
      expect(results.reduce((n, r) => n + r.stats.partitions, 0)).to.be.greaterThan(m.seeds);
    });
  }

  it('follower reads are left out of the linearizability check and counted as stale reads', () => {
    const results = runs('follower', 30, {});
    expect(results.every((r) => r.report?.ok === true)).to.equal(true);
    const stale = results.reduce((n, r) => n + Number(r.report?.fields['staleReads'] ?? 0), 0);
    expect(stale).to.be.greaterThan(30);
    expect(readsOf(results)['follower']).to.equal(stale);
  });
});

/**
 * The read mutants, hunted. A deposed leader needs a partition long enough for an election on
 * the other side (50-200 ticks, timers every 5-10 ticks), and a read must reach it in that
 * window (clients think 1-5 ticks and retry every 5-15). Measured first failing seeds:
 * leader-reads-without-confirming 6 (13 of 100 seeds fail), read-index-before-own-ballot-commit
 * 10 (2 of 100). lease-past-drift-bound needs a slow leader beside fast followers cut off at the
 * right moment and is not reached with these settings (0 of 100 seeds at drift 0.3 and 0.5): it
 * is caught on the story's directed schedule below, and at random with the leaseDrift profile
 * (spec/sim/lease.spec.ts, which says why).
 */
const HUNTS = [
  { mutant: 'leader-reads-without-confirming', bound: 20 },
  { mutant: 'read-index-before-own-ballot-commit', bound: 30 },
] as const;

describe('the read mutants are caught by the linearizability checker', function () {
  this.timeout(300_000);

  for (const h of HUNTS) {
    it(`${h.mutant}: a history that is not linearizable within ${h.bound} seeds; the real roles hold on those seeds`, () => {
      const subject = multiPaxosSubject({ nodes: 3, reads: 'read-index', mutant: h.mutant });
      let caught: SimResult | null = null;
      for (let seed = 1; seed <= h.bound && caught === null; seed += 1) {
        const r = simulate(subject, simOptions({ seed, ...FAULTS, ...HUNT }));
        if (r.report?.ok === false) caught = r;
      }
      expect(caught, `${h.mutant} survived ${h.bound} seeds`).to.not.equal(null);
      expect(caught!.violations, 'no log invariant breaks: only the reads are wrong').to.deep.equal([]);
      expect(caught!.report!.fields['linearizable']).to.equal(false);
      const real = runs('read-index', caught!.seed, HUNT);
      expect(real.filter((r) => r.report?.ok !== true || r.violations.length > 0).map((r) => r.seed)).to.deep.equal([]);
    });
  }

  it('the story: the old leader answers "free" under the Consul bug and a lease past its bound, "booked for #8849" under read-index and a lease within it', () => {
    const story = harborPointReads();
    expect(story.held).to.equal(true);
    const answers = Object.fromEntries(story.runs.map((r) => [r.run.mutant ?? r.run.mode, r.answer]));
    expect(answers).to.deep.equal({
      'leader-reads-without-confirming': null,
      'read-index': '#8849',
      lease: '#8849',
      'lease-past-drift-bound': null,
      follower: null,
    });
    const lease = story.runs.find((r) => r.run.mode === 'lease' && r.run.mutant === undefined)!;
    expect(lease.told).to.deep.equal(['harbor-2: redirect: try harbor-3', 'harbor-3: S12 is booked for #8849 [read-index read at applied slot 2]']);
    expect(multiPaxosMutant('lease-past-drift-bound')!.caughtBy).to.deep.equal(['Linearizability']);
  });
});

describe('synod sim --reads and --drift', () => {
  const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main(args, { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } });
    return { code, out, err };
  };

  it('reports reads by mode in the JSON of one run', async () => {
    const r = await run('sim', '--protocol', 'multipaxos', '--nodes', '3', '--reads', 'mix', '--drift', '0.1', '--seed', '2', '--steps', '1500', '--json');
    expect(r.code).to.equal(0);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json['linearizable']).to.equal(true);
    expect(Object.keys(json['reads'] as object).length).to.be.greaterThan(1);
  });

  it('refuses a lease without a clock-drift bound, and a mode it does not know', async () => {
    const lease = await run('sim', '--protocol', 'multipaxos', '--reads', 'lease', '--seed', '1');
    expect(lease.code).to.equal(2);
    expect(lease.err).to.match(/a lease rests on a bound on clock drift/);
    expect((await run('sim', '--protocol', 'multipaxos', '--reads', 'quorum', '--seed', '1')).code).to.equal(2);
    expect((await run('sim', '--protocol', 'raft', '--reads', 'lease', '--seed', '1')).code).to.equal(2);
  });
});
