/**
 * The browser view's driver without a browser (lib/web): the session (script + user actions ->
 * the frame at step n), the Harbor Point stories, the zoo's counterexamples and trace files as
 * scripts, the side-by-side runs, and the URL state.
 */
import { expect } from 'chai';
import { zooEntries } from '../../lib/check/zoo';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Script, UserAction } from '../../lib/web/session';
import { branch, frameAt, framesUpTo, Runner } from '../../lib/web/session';
import { decreeRace, freeScript, STORIES, story, STORY_NAMES } from '../../lib/web/presets';
import { traceScript } from '../../lib/web/traces';
import { sideBySide } from '../../lib/web/side';
import { DEFAULT_STATE, formatState, parseState } from '../../lib/web/url';
import type { PageState } from '../../lib/web/url';
import { MULTIPAXOS_MUTANTS } from '../../lib/zoo/multipaxos';
import { RAFT_MUTANTS } from '../../lib/zoo/raft';
import { PAXOS_MUTANTS } from '../../lib/zoo/paxos';
import { MAPPING } from '../../lib/raft/mapping';
import { run } from '../helpers/cli';
import { race as demoRace } from '../../lib/demo/single-decree';

const COUNTEREXAMPLES = path.join(__dirname, '..', '..', 'web', 'counterexamples');

const last = (frames: readonly Frame[]): Frame => frames[frames.length - 1]!;
const played = (s: Script, actions: readonly UserAction[] = []): Frame[] => framesUpTo(s, actions, s.ops.length + actions.length);
const slot812 = (f: Frame): string[] => f.nodes.map((n) => n.slots.find((s) => s.slot === 812)?.chosen ?? 'unknown');

describe('the browser view: the session (lib/web)', function () {
  this.timeout(60_000);

  describe('the Harbor Point stories', () => {
    it('the race for slot 812: harbor-3 wins with #8849 in 42.3, harbor-2 is fenced, and no invariant breaks', () => {
      const frames = played(story('race'));
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(slot812(last(frames))).to.deep.equal(['#8849', '#8849', '#8849']);
      expect(frames.some((f) => /n1 -> n2 : rejected, promised 42\.3/.test(f.what))).to.equal(true);
      expect(frames.some((f) => /n2 -> n1 : accept slot 812 = #8841/.test(f.what))).to.equal(true);
    });

    it('the crash after quorum acceptance: the later leader keeps #8841 (harbor-1 reported it in its promise)', () => {
      const frames = played(story('crash-after'));
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(slot812(last(frames))).to.deep.equal(['#8841', '#8841', '#8841']);
      expect(frames.some((f) => /n1 -> n3 : promise 42\.3 \(slot 812: #8841 @41\.2\)/.test(f.what))).to.equal(true);
    });

    it('the crash before it: the later leader may choose the other value, and does', () => {
      const frames = played(story('crash-before'));
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(slot812(last(frames))).to.deep.equal(['#8849', '#8849', '#8849']);
      // harbor-2 still holds its vote for #8841 in 41.2: a vote, not a choice.
      expect(last(frames).nodes[1]!.slots.find((s) => s.slot === 812)).to.deep.equal({ slot: 812, ballot: '41.2', value: '#8841', chosen: '#8849' });
    });

    it('the stale leader of ballot 41.2 is fenced: its accepts are rejected, and #8841 is booked in 42.3', () => {
      const frames = played(story('stale'));
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(frames.filter((f) => /n\d -> n2 : rejected, promised 42\.3/.test(f.what))).to.have.length(2);
      expect(last(frames).nodes.map((n) => n.slots.find((s) => s.slot === 812)?.ballot)).to.deep.equal(['42.3', '42.3', '42.3']);
      expect(slot812(last(frames))).to.deep.equal(['#8841', '#8841', '#8841']);
    });

    it('every Multi-Paxos story starts after its prologue: frame 0 has slots 0..811 chosen and harbor-2 leading 41.2', () => {
      for (const name of STORY_NAMES.filter((n) => STORIES[n].protocol === 'multipaxos')) {
        const f = framesUpTo(story(name), [], 0)[0]!;
        expect(f.nodes.map((n) => n.chosen), name).to.deep.equal([812, 812, 812]);
        expect(f.nodes[1]!.role).to.equal('leader');
        expect(f.nodes[1]!.epoch).to.equal('41.2');
      }
    });
  });

  describe('single-decree Paxos', () => {
    it('the race for slot 812 (the story of synod demo, same seed): one value is chosen, every learner learns it, and no invariant breaks', () => {
      const frames = played(story('decree-race'));
      expect(story('decree-race').config).to.deep.equal({ protocol: 'single-decree', nodes: 3, seed: 812, setting: 'harbor' });
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(frames.filter((f) => f.what.startsWith('skipped'))).to.deep.equal([]);
      const end = last(frames);
      const chosen = end.nodes.map((n) => n.decree!.learner!.chosen);
      expect(['#8841', '#8849']).to.include(chosen[0]);
      expect(chosen).to.deep.equal([chosen[0], chosen[0], chosen[0]]);
      expect(end.nodes.map((n) => n.slots[0]?.chosen)).to.deep.equal([chosen[0], chosen[0], chosen[0]]);
      expect(last(frames).caption).to.equal(`Every learner knows: slot 812 chose ${chosen[0]!}, and only ${chosen[0]!}.`);
    });

    it('the race agrees with synod demo for the same seed: the value chosen is the one the demo reports', () => {
      for (const seed of [1, 2, 812]) {
        const end = last(played(decreeRace(seed)));
        expect(end.nodes[0]!.decree!.learner!.chosen, `seed ${seed}`).to.equal(demoRace(seed).chosen);
      }
    });

    it('each node shows its roles: the acceptor\'s maxBal and vote, the proposer\'s phase and ballot, the learner\'s value', () => {
      const frames = played(story('decree-race'));
      const f0 = frames[0]!;
      expect(f0.nodes.map((n) => n.role)).to.deep.equal(['acceptor + learner', 'acceptor + proposer (idle) + learner', 'acceptor + proposer (idle) + learner']);
      expect(f0.nodes[1]!.decree).to.deep.equal({
        acceptor: { maxBal: '0.0', maxVBal: '-', maxVal: '-' },
        proposer: { phase: 'idle', ballot: '40.0', value: '-' },
        learner: { chosen: '-', ballot: '-' },
      });
      // A prepare, in the paper's words, with the full line of lib/paxos/format.ts beside it.
      const prepare = frames.flatMap((f) => (f.delivered === null ? [] : [f.delivered])).find((m) => m.type === 'prepare')!;
      expect(prepare.label).to.match(/^prepare 41\.[23]$/);
      expect(prepare.line).to.match(/^prepare slot 812 ballot 41\.[23]$/);
      const accept = frames.flatMap((f) => (f.delivered === null ? [] : [f.delivered])).find((m) => m.type === 'accept')!;
      expect(accept.label).to.match(/^accept \d+\.\d = #88(41|49)$/);
    });

    it('a user can crash an acceptor and propose a value: the frame says what happened', () => {
      const s = freeScript({ protocol: 'single-decree', nodes: 3, seed: 1, setting: 'web' });
      const frames = framesUpTo(s, [{ at: 0, type: 'crash', node: 3 }, { at: 1, type: 'request', node: 1, value: 'X' }], 16);
      expect(frames[1]!.what).to.equal('n3 CRASHED (it keeps what it persisted)');
      expect(frames[2]!.what).to.equal('client -> n1 : propose X');
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(frames[5]!.what).to.equal('n1 -> n3 : prepare 1.1 (lost: the node is down)');
      // Acceptors 1 and 2 are a quorum: X is chosen; the learners that heard both acceptances know it, the crashed one does not.
      expect(last(frames).nodes.map((n) => n.decree!.learner!.chosen)).to.deep.equal(['X', 'X', '-']);
    });
  });

  describe('stepping', () => {
    it('back is a replay: the frame at n - 1 replayed from the start equals the one reached going forward, user actions included', () => {
      const s = story('crash-after');
      const actions: UserAction[] = [{ at: 2, type: 'crash', node: 1 }];
      const frames = framesUpTo(s, actions, 8);
      for (const n of [1, 3, 7]) expect(frameAt(s, actions, n)).to.deep.equal(frames[n]);
      expect(frames[3]!.by).to.equal('user');
      expect(frames[3]!.nodes[0]!.up).to.equal(false);
      // The script goes on without harbor-1: the scripted crash of harbor-2 still happens.
      expect(frames[4]!.what).to.match(/n2 CRASHED/);
    });

    it('acting in the past branches the timeline: the later actions are dropped', () => {
      const a: UserAction[] = [{ at: 2, type: 'crash', node: 1 }, { at: 5, type: 'restart', node: 1 }];
      expect(branch(a, { at: 3, type: 'heal' })).to.deep.equal([a[0], { at: 3, type: 'heal' }]);
      expect(branch(a, { at: 1, type: 'heal' })).to.deep.equal([{ at: 1, type: 'heal' }]);
    });

    it('a script operation that no longer applies is skipped and says so', () => {
      const s = story('crash-after');
      // Drop the accept of slot 812 to harbor-1 (in flight after step 1) before the story delivers it.
      const f1 = frameAt(s, [], 1);
      const index = f1.inFlight.findIndex((m) => m.to === 1 && m.label === 'accept slot 812 = #8841');
      expect(index).to.be.at.least(0);
      const frames = framesUpTo(s, [{ at: 1, type: 'drop', index }], 3);
      expect(frames[2]!.what).to.equal('dropped n2 -> n1 : accept slot 812 = #8841');
      expect(frames[3]!.what).to.match(/^skipped: accept slot 812 = #8841 n2 -> n1 is not in flight/);
    });
  });

  describe('a free cluster under the automatic scheduler', () => {
    for (const [protocol, nodes] of [['multipaxos', 5], ['raft', 3]] as const) {
      it(`${protocol}, ${nodes} nodes: a leader is elected and a client's command is chosen and applied on every node; no invariant breaks`, () => {
        const s = freeScript({ protocol, nodes, seed: 7, setting: 'web' });
        const runner = new Runner(s, []);
        let f = runner.first();
        for (let i = 0; i < 400 && !f.nodes.some((n) => n.role === 'leader'); i += 1) f = runner.next();
        const leader = f.nodes.find((n) => n.role === 'leader');
        expect(leader, 'a leader').to.not.equal(undefined);
        const actions: UserAction[] = [{ at: f.step, type: 'request', node: leader!.id, value: '#8841' }];
        const frames = framesUpTo(s, actions, f.step + 120);
        expect(frames.flatMap((x) => x.violations)).to.deep.equal([]);
        const end = last(frames);
        for (const n of end.nodes) expect(n.slots.some((c) => c.chosen === '#8841'), `node ${n.id}`).to.equal(true);
        expect(end.nodes.every((n) => n.appliedCommands >= 1)).to.equal(true);
      });
    }

    it('drop, duplicate, partition and heal act on the messages in flight; a command to a down node is lost', () => {
      const s = freeScript({ protocol: 'multipaxos', nodes: 3, seed: 1, setting: 'web' });
      const runner = new Runner(s, []);
      let f = runner.first();
      for (let i = 0; i < 200 && f.inFlight.length < 2; i += 1) f = runner.next();
      const at = f.step;
      const [first, second] = f.inFlight;
      const dropped = framesUpTo(s, [{ at, type: 'drop', index: 0 }], at + 1)[at + 1]!;
      expect(dropped.inFlight.map((m) => m.line)).to.deep.equal(f.inFlight.slice(1).map((m) => m.line));
      const doubled = framesUpTo(s, [{ at, type: 'duplicate', index: 1 }], at + 1)[at + 1]!;
      expect(doubled.inFlight.map((m) => m.line)).to.deep.equal([...f.inFlight.map((m) => m.line), second!.line]);
      const cut = framesUpTo(s, [{ at, type: 'partition', a: [first!.from], b: [first!.to] }], at + 1)[at + 1]!;
      expect(cut.partition).to.deep.equal({ a: [first!.from], b: [first!.to] });
      expect(cut.inFlight.some((m) => (m.from === first!.from && m.to === first!.to) || (m.from === first!.to && m.to === first!.from))).to.equal(false);
      const healed = framesUpTo(s, [{ at, type: 'partition', a: [1], b: [2, 3] }, { at: at + 1, type: 'heal' }], at + 2)[at + 2]!;
      expect(healed.partition).to.equal(null);
      const lost = framesUpTo(s, [{ at, type: 'crash', node: 2 }, { at: at + 1, type: 'request', node: 2, value: '#1' }], at + 2)[at + 2]!;
      expect(lost.what).to.match(/lost: the node is down/);
    });
  });

  describe('the bug zoo: each single-decree, Multi-Paxos and Raft mutant with its counterexample', () => {
    const files = fs.readdirSync(COUNTEREXAMPLES).filter((f) => f.endsWith('.jsonl'));

    it('has a counterexample for every single-decree, Multi-Paxos and Raft mutant the model checker catches (the read mutants are caught by the simulator only)', () => {
      const checked = zooEntries().filter((e) => e.protocol === 'single-decree' || e.protocol === 'multipaxos' || e.protocol === 'raft').map((e) => e.name);
      expect(files.map((f) => f.replace(/\.jsonl$/, '')).sort()).to.deep.equal([...checked].sort());
      expect(PAXOS_MUTANTS.map((m) => m.name).filter((n) => !files.includes(`${n}.jsonl`))).to.deep.equal([]);
      expect(PAXOS_MUTANTS).to.have.length(7);
      const simulatorOnly = [...MULTIPAXOS_MUTANTS, ...RAFT_MUTANTS].map((m) => m.name).filter((n) => !checked.includes(n));
      expect(simulatorOnly.sort()).to.deep.equal(['lease-past-drift-bound', 'leader-reads-without-confirming', 'read-index-before-own-ballot-commit'].sort());
    });

    for (const file of fs.readdirSync(COUNTEREXAMPLES).filter((f) => f.endsWith('.jsonl'))) {
      const name = file.replace(/\.jsonl$/, '');
      it(`${name}: the replay breaks the invariant that catches it at the last step of the trace, not before`, () => {
        const s = traceScript(fs.readFileSync(path.join(COUNTEREXAMPLES, file), 'utf8'));
        const frames = played(s);
        const caughtBy = [...PAXOS_MUTANTS, ...MULTIPAXOS_MUTANTS, ...RAFT_MUTANTS].find((m) => m.name === name)!.caughtBy;
        expect(frames.filter((f) => f.what.startsWith('skipped'))).to.deep.equal([]);
        // The checker's last action: one step, or two when it is a crash-and-restart (its trace
        // writes crash, then restart; the crashed node's memory is gone from the crash on).
        const ops = s.ops;
        const tail = ops.slice(-2);
        const crashRestart = tail.length === 2 && tail[0]!.kind === 'crash' && tail[1]!.kind === 'restart' && tail[0]!.node === tail[1]!.node;
        const breaking = crashRestart ? frames.length - 2 : frames.length - 1;
        expect(frames.slice(0, breaking).flatMap((f) => f.violations)).to.deep.equal([]);
        const found = frames[breaking]!.violations.map((v) => v.invariant);
        expect(found).to.not.deep.equal([]);
        expect(found.some((v) => caughtBy.includes(v)), `${found.join(', ')} in ${caughtBy.join(', ')}`).to.equal(true);
      });
    }

    it('the committed counterexamples are what synod check writes today', async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-web-')), 'x.jsonl');
      await run('check', '--mutant', 'leader-acks-before-quorum', '--trace', file);
      expect(fs.readFileSync(file, 'utf8')).to.equal(fs.readFileSync(path.join(COUNTEREXAMPLES, 'leader-acks-before-quorum.jsonl'), 'utf8'));
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });
  });

  describe('trace files', () => {
    for (const protocol of ['multipaxos', 'raft'] as const) {
      it(`a synod sim trace of ${protocol} replays step for step and reaches the commit point the simulator reported`, async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-web-')), 'sim.jsonl');
        const r = await run('sim', '--protocol', protocol, '--seed', '5', '--steps', '300', '--trace', file, '--json');
        const report = JSON.parse(r.out) as { chosen: number; violations: unknown[] };
        const s = traceScript(fs.readFileSync(file, 'utf8'));
        expect(s.config).to.deep.equal({ protocol, nodes: 5, seed: 5, setting: 'sim' });
        const frames = played(s);
        expect(frames.filter((f) => f.what.startsWith('skipped'))).to.deep.equal([]);
        expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
        expect(report.violations).to.deep.equal([]);
        expect(Math.max(...last(frames).nodes.map((n) => n.chosen))).to.equal(report.chosen);
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      });
    }

    it('a synod sim trace of single-decree Paxos replays step for step, and its learners learn the value the simulator saw chosen', async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-web-')), 'sim.jsonl');
      const r = await run('sim', '--protocol', 'single-decree', '--seed', '5', '--steps', '300', '--trace', file, '--json');
      const report = JSON.parse(r.out) as { chosen: number; violations: unknown[] };
      const s = traceScript(fs.readFileSync(file, 'utf8'));
      expect(s.config).to.deep.equal({ protocol: 'single-decree', nodes: 5, seed: 5, setting: 'sim' });
      const frames = played(s);
      expect(frames.filter((f) => f.what.startsWith('skipped'))).to.deep.equal([]);
      expect(frames.flatMap((f) => f.violations)).to.deep.equal([]);
      expect(report.violations).to.deep.equal([]);
      expect(report.chosen).to.equal(1);
      const learned = new Set(last(frames).nodes.map((n) => n.decree!.learner!.chosen).filter((v) => v !== '-'));
      expect(learned.size).to.equal(1);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it('a synod check trace of single-decree Paxos runs with the configuration its header records, else the mutant\'s smallest', () => {
      const header = (options: object): string => `${JSON.stringify({ format: 'synod-trace', version: 1, synod: '0.1.0', command: 'check', protocol: 'single-decree', seed: null, options, events: 0 })}\n`;
      const given = traceScript(header({ acceptors: '3', proposers: '2', learners: '1', phase1: '2', phase2: '2', topology: 'separate' }));
      expect(given.config).to.deep.equal({ protocol: 'single-decree', nodes: 5, seed: 0, setting: 'check', decree: { acceptors: 3, proposers: 2, learners: 1, phase1: 2, phase2: 2, separate: true } });
      const f0 = framesUpTo(given, [], 0)[0]!;
      expect(f0.nodes.map((n) => n.role)).to.deep.equal(['acceptor + learner', 'acceptor', 'acceptor', 'proposer (idle)', 'proposer (idle)']);
      const smallest = traceScript(header({ mutant: 'proposer-picks-lowest-accepted-ballot' }));
      expect(smallest.config).to.deep.equal({ protocol: 'single-decree', nodes: 3, seed: 0, setting: 'check', mutant: 'proposer-picks-lowest-accepted-ballot' });
      expect(() => traceScript(header({ mutant: 'no-such-mutant' }))).to.throw(/no single-decree mutant named 'no-such-mutant'/);
    });

    it('a trace the view cannot draw, or a file that is not a trace, gets a one-line reason', () => {
      const single = '{"format":"synod-trace","version":1,"synod":"0.1.0","command":"check","protocol":"single-decree","seed":null,"options":{},"reproduce":"synod check","events":0}\n';
      expect(() => traceScript(single.replace('single-decree', 'two-phase-commit'))).to.throw(/draws single-decree Paxos, Multi-Paxos and Raft; this trace is of two-phase-commit/);
      expect(() => traceScript('hello\n')).to.throw(/line 1 is not a JSON object/);
      const noMessage = single.replace('single-decree', 'raft') + '{"step":1,"tick":1,"type":"deliver"}\n';
      expect(() => traceScript(noMessage)).to.throw(/line 2: a deliver event needs a message/);
    });
  });

  describe('side by side', () => {
    it('Figure 8: three panes step together; only the broken Raft breaks an invariant; every step names a row of the mapping', () => {
      const sbs = sideBySide('figure8');
      expect(sbs.sides).to.deep.equal(['multipaxos', 'raft', 'raft-figure8-broken']);
      expect(sbs.verdicts.every((v) => v.ok)).to.equal(true);
      for (const step of sbs.steps) {
        expect(step.panes.map((p) => p.nodes.length)).to.deep.equal([5, 5, 5]);
        expect(step.mapping?.name).to.equal(MAPPING.find((m) => m.name === step.row)?.name);
      }
      const broken = sbs.steps.flatMap((s) => s.panes.filter((p) => p.violations.length > 0).map((p) => p.side));
      expect(new Set(broken)).to.deep.equal(new Set(['raft-figure8-broken']));
    });

    it('slot 812: Multi-Paxos and Raft both keep #8841 after the crash', () => {
      const sbs = sideBySide('slot812');
      const end = sbs.steps[sbs.steps.length - 1]!;
      for (const pane of end.panes) expect(pane.committed.join(' '), pane.side).to.match(/x#1/);
      expect(sbs.verdicts.map((v) => v.safe)).to.deep.equal([true, true]);
    });
  });

  describe('the URL', () => {
    it('holds every state: a free cluster with actions, a story, a zoo preset, a loaded trace, a side-by-side step', () => {
      const states: PageState[] = [
        { mode: 'single', source: { kind: 'free', protocol: 'raft', nodes: 7, seed: 42 }, actions: [{ at: 3, type: 'crash', node: 2 }, { at: 4, type: 'partition', a: [1, 2], b: [3] }, { at: 5, type: 'request', node: 1, value: '#8841' }, { at: 6, type: 'duplicate', index: 2 }], step: 9 },
        { mode: 'single', source: { kind: 'story', name: 'race' }, actions: [], step: 4 },
        { mode: 'single', source: { kind: 'free', protocol: 'single-decree', nodes: 5, seed: 1 }, actions: [{ at: 0, type: 'request', node: 2, value: 'X' }], step: 3 },
        { mode: 'single', source: { kind: 'story', name: 'decree-race' }, actions: [], step: 2 },
        { mode: 'single', source: { kind: 'zoo', name: 'learner-mixes-ballots' }, actions: [], step: 5 },
        { mode: 'single', source: { kind: 'zoo', name: 'vote-not-persisted' }, actions: [], step: 8 },
        { mode: 'single', source: { kind: 'trace', text: '{"a":"é"}\n' }, actions: [{ at: 0, type: 'heal' }], step: 0 },
        { mode: 'side', scenario: 'figure8', step: 3 },
      ];
      for (const s of states) expect(parseState(`#${formatState(s)}`)).to.deep.equal(s);
      expect(parseState('')).to.deep.equal(DEFAULT_STATE);
    });

    it('rejects a bad fragment with a one-line reason', () => {
      expect(() => parseState('mode=single&source=free&protocol=raft&nodes=9&seed=1')).to.throw(/nodes must be a whole number from 3 to 7/);
      expect(() => parseState('mode=single&source=story&name=nope')).to.throw(/story must be one of race/);
      expect(() => parseState('mode=single&source=free&protocol=fastpaxos&nodes=3&seed=1')).to.throw(/protocol must be multipaxos, raft or single-decree/);
      expect(() => parseState('mode=side&scenario=x')).to.throw(/scenario must be one of/);
      expect(() => parseState('source=story&name=race&actions=[{"at":1,"type":"crash"}]')).to.throw(/action 1 needs a node/);
      expect(() => parseState('source=story&name=race&actions={')).to.throw(/actions is not JSON/);
      expect(() => parseState('source=story&name=race&step=-1')).to.throw(/step must be a whole number/);
    });
  });
});
