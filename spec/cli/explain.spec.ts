/**
 * `synod explain --trace FILE --slot N` answers the seed lesson's four postmortem questions
 * about one slot, from a trace alone; `synod demo --trace` writes a story as a trace; `synod
 * trace --mermaid` draws a trace as a sequence diagram. The answers are checked against what
 * the story and the simulator run did, and against a broken merge (a zoo mutant) whose
 * violation of P2c the explanation must name.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlotExplanation } from '../../lib/sim/explain';
import { explainSlot } from '../../lib/sim/explain';
import { mermaidSequence } from '../../lib/sim/mermaid';
import { demoTrace } from '../../lib/cli/demo-trace';
import { run } from '../helpers/cli';

const plain = (x: object): Record<string, unknown>[] => JSON.parse(JSON.stringify(x)) as Record<string, unknown>[];

describe('synod explain, synod demo --trace, synod trace --mermaid', function () {
  this.timeout(120_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'synod-explain-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('slot 812 of the demo (story 4: harbor-2 crashes after a quorum accepted #8841)', () => {
    let x: SlotExplanation;
    let file = '';
    before(async () => {
      file = join(dir, 'log.jsonl');
      const r = await run('demo', '--trace', file, '--story', 'log');
      expect(r.code).to.equal(0);
      expect(r.out).to.match(/wrote story 'log' \(multipaxos\) to .*log\.jsonl: \d+ events\n$/);
      const j = await run('explain', '--trace', file, '--slot', '812', '--json');
      expect(j.code).to.equal(0);
      x = JSON.parse(j.out) as SlotExplanation;
    });

    it('1. who may lead: ballot 41.2 (harbor-2) until it crashed, then 42.3 (harbor-3), the latest', () => {
      const led = x.epochs.filter((e) => e.led !== null).map((e) => [e.ballot, e.leader, e.until?.why ?? 'to the end']);
      expect(led).to.deep.equal([['41.2', 2, 'its leader crashed'], ['42.3', 3, 'to the end']]);
      expect(x.latest?.ballot).to.equal('42.3');
    });

    it('2. what a quorum durably accepted: #8841 in 41.2 by harbor-2 and harbor-1 (before the crash), then again in 42.3', () => {
      const groups = x.votes.map((g) => [g.ballot, g.value, g.acceptors.map((a) => a.node), g.quorumAt !== null]);
      expect(groups).to.deep.equal([
        ['41.2', 'reserve S12 for #8841 (terminal-a #1)', [2, 1], true],
        ['42.3', 'reserve S12 for #8841 (terminal-a #1)', [3, 1], true],
      ]);
      const crash = x.epochs[0]!.until!;
      expect(x.votes[0]!.quorumAt!.step).to.be.below(crash.step);
    });

    it('3. the stages: proposed twice, quorum-acknowledged and acknowledged only by harbor-3, chosen and applied on all three; only #8841', () => {
      expect(x.chosen).to.deep.equal(['reserve S12 for #8841 (terminal-a #1)']);
      const v = x.values[0]!;
      expect(v.proposed.map((p) => [p.node, p.ballot])).to.deep.equal([[2, '41.2'], [3, '42.3']]);
      expect(v.quorumAcknowledged.map((p) => p.node)).to.deep.equal([3]);
      expect(v.chosen.map((p) => p.node).sort()).to.deep.equal([1, 2, 3]);
      expect(v.applied.map((p) => p.node).sort()).to.deep.equal([1, 2, 3]);
      expect(v.acknowledged.map((a) => [a.client, a.node])).to.deep.equal([['terminal-a', 3]]);
    });

    it('4. phase 1 of 42.3: harbor-1 reported its 41.2 vote for #8841, and harbor-3 kept it (P2c)', () => {
      const p = x.phase1.find((q) => q.ballot === '42.3')!;
      expect(p.promises.filter((q) => !q.late).map((q) => [q.from, q.vote])).to.deep.equal([[1, { ballot: '41.2', value: 'reserve S12 for #8841 (terminal-a #1)' }]]);
      expect(p.proposed?.value).to.equal('reserve S12 for #8841 (terminal-a #1)');
      expect(p.why).to.match(/P2c requires the leader to propose that value: it did$/);
    });

    it('prints the four questions as text, harbor-N named', async () => {
      const r = await run('explain', '--trace', file, '--slot', '812');
      expect(r.code).to.equal(0);
      for (const heading of ['1. Who may lead', '2. What a quorum durably accepted in slot 812', '3. When it could be shown to clients', '4. What each new leader learned in phase 1']) {
        expect(r.out).to.include(heading);
      }
      expect(r.out).to.include('latest epoch: ballot 42.3, held by harbor-3');
    });

    it('the demo trace replays identically (the story is scripted and seeded)', async () => {
      const r = await run('replay', file);
      expect(r.code).to.equal(0);
      expect(r.out).to.match(/: demo multipaxos seed 1: identical, \d+ events\n$/);
    });
  });

  it('the fencing story: harbor-2 told terminal A "indeterminate", and the trace shows the command was in fact chosen', () => {
    const x = explainSlot(plain(demoTrace('fencing', 1).events), 812, 3);
    expect(x.indeterminate.map((i) => [i.node, i.client, i.chosenIn])).to.deep.equal([[2, 'terminal-a', 812]]);
  });

  describe('a simulator trace with leader changes (multipaxos, 3 nodes, seed 5, crashes and partitions)', () => {
    let file = '';
    before(async () => {
      file = join(dir, 'sim5.jsonl');
      const r = await run('sim', '--protocol', 'multipaxos', '--nodes', '3', '--seed', '5', '--crashes', '--partitions', '--clients', '2', '--commands', '5', '--trace', file);
      expect(r.code).to.equal(0);
    });

    it('slot 0: 41.3 (n3) had a quorum for c1 #1, n3 was deposed and told c1 "indeterminate", 42.1 (n1) found the vote in a promise and kept it', async () => {
      const r = await run('explain', '--trace', file, '--slot', '0', '--json');
      expect(r.code).to.equal(0);
      const x = JSON.parse(r.out) as SlotExplanation;
      expect(x.votes.map((g) => [g.ballot, g.quorumAt !== null])).to.deep.equal([['41.3', true], ['42.1', true]]);
      expect(x.indeterminate.map((i) => [i.node, i.client, i.seq, i.chosenIn])).to.deep.equal([[3, 'c1', 1, 0]]);
      const p = x.phase1.find((q) => q.ballot === '42.1')!;
      expect(p.promises.filter((q) => !q.late).map((q) => q.vote?.ballot)).to.deep.equal(['41.3']);
      expect(p.why).to.match(/it did$/);
      expect(x.chosen).to.have.length(1);
      expect(x.latest?.leader).to.be.a('number');
    });
  });

  it('a broken merge (zoo: merge-keeps-lower-ballot, seed 37 at 5 nodes): the explanation says which leader broke P2c, with the vote it dropped', async () => {
    const file = join(dir, 'mutant.jsonl');
    const r = await run('sim', '--protocol', 'multipaxos', '--nodes', '5', '--mutant', 'merge-keeps-lower-ballot', '--seed', '37', '--steps', '1500', '--clients', '5', '--commands', '100', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes', '--trace', file);
    expect(r.code).to.equal(1);
    const e = await run('explain', '--trace', file, '--slot', '15', '--json');
    const x = JSON.parse(e.out) as SlotExplanation;
    const broken = x.phase1.filter((p) => /breaks P2c$/.test(p.why));
    expect(broken.map((p) => [p.ballot, p.proposed?.value])).to.deep.equal([['45.2', 'get x (c1 #3)']]);
    expect(broken[0]!.why).to.include('delete x (c4 #2) in 44.1');
    // On the correct code the same schedule gives no such line for any slot.
    const good = join(dir, 'good.jsonl');
    await run('sim', '--protocol', 'multipaxos', '--nodes', '5', '--seed', '37', '--steps', '1500', '--clients', '5', '--commands', '100', '--loss', '0.05', '--dup', '0.05', '--partitions', '--crashes', '--trace', good);
    const events = (readFileSync(good, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as Record<string, unknown>));
    for (let slot = 0; slot < 30; slot += 1) expect(explainSlot(events, slot, 5).phase1.filter((p) => /breaks P2c$/.test(p.why)), `slot ${slot}`).to.deep.equal([]);
  });

  it('explain reads Multi-Paxos traces only, and says so for another protocol (exit 2)', async () => {
    const file = join(dir, 'race.jsonl');
    expect((await run('demo', '--trace', file, '--story', 'race')).code).to.equal(0);
    const r = await run('explain', '--trace', file, '--slot', '812');
    expect(r.code).to.equal(2);
    expect(r.err).to.equal(`synod: synod explain reads Multi-Paxos traces (a slot of a log); ${file} is a single-decree trace\n`);
    expect((await run('demo', '--trace', file, '--story', 'nope')).err).to.match(/--story takes one of race, after-quorum, before-quorum, log, fencing, got 'nope'/);
  });

  it('--mermaid: the race for slot 812 as a sequence diagram, one arrow per delivery, one cross per loss; # spelled for Mermaid', async () => {
    const file = join(dir, 'race2.jsonl');
    await run('demo', '--trace', file, '--story', 'race', '--seed', '1');
    const r = await run('trace', file, '--mermaid');
    expect(r.code).to.equal(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.slice(0, 4)).to.deep.equal(['sequenceDiagram', '  participant n1 as harbor-1', '  participant n2 as harbor-2', '  participant n3 as harbor-3']);
    const events = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as { type: string });
    const arrows = lines.filter((l) => /^ {2}n\d->>n\d: /.test(l));
    expect(arrows).to.have.length(events.filter((e) => e.type === 'deliver').length);
    expect(lines.filter((l) => /^ {2}n\d-xn\d: /.test(l))).to.have.length(events.filter((e) => e.type === 'drop').length);
    expect(r.out).to.include('#35;8841');
    expect(r.out).to.not.match(/#8841/);
  });

  it('--mermaid --slot 812 keeps the slot and every crash; --from/--to cut by step', () => {
    const events = plain(demoTrace('log', 1).events);
    const lines = mermaidSequence(events, [1, 2, 3], { describe: (m) => { const x = m as { from: number; to: number; type: string; slot?: number }; return `harbor-${x.from} -> harbor-${x.to} : ${x.type} slot ${x.slot ?? '-'}`; }, name: (n) => `harbor-${n}`, slot: 812 });
    expect(lines.filter((l) => l.includes('heartbeat'))).to.deep.equal([]);
    expect(lines.filter((l) => /: (accept|accepted) slot/.test(l)).every((l) => l.includes('slot 812'))).to.equal(true);
    expect(lines).to.include('  Note over n2: CRASHED (keeps what it persisted)');
    const cut = mermaidSequence(events, [1, 2, 3], { describe: () => 'not an arrow', name: String, from: 10, to: 5 });
    expect(cut).to.have.length(4);
  });
});
