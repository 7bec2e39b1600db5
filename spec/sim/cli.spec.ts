/**
 * `synod sim` as a user runs it: one JSON object per seed, identical for the same seed, a
 * `reproduce` line that replays it, a summary for a range, exit 1 on a violation and exit 2
 * with one line for a bad argument.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import type { Output } from '../../lib/cli/output';
import { defaultSteps, rangeReport, simPlan, cliOptions } from '../../lib/cli/sim';
import { Summary } from '../../lib/sim/summary';
import type { SimResult } from '../../lib/sim/simulator';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Output = { out: (t) => { out += t; }, err: (t) => { err += t; } };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The words of a reproduce line, without the leading `synod`: ours quote a word only whole. */
function words(line: string): string[] {
  const parts = line.split(' ').map((w) => w.replace(/^'(.*)'$/, '$1'));
  expect(parts[0]).to.equal('synod');
  return parts.slice(1);
}

const ISSUE_EXAMPLE = ['sim', '--protocol', 'single-decree', '--nodes', '5', '--seed', '42', '--steps', '5000', '--loss', '0.1', '--dup', '0.05', '--partitions', '--crashes', '--json'];

describe('sim: the command line', () => {
  it('prints one JSON object with the fields the issue names; the same seed twice prints the same bytes', async () => {
    const a = await run(ISSUE_EXAMPLE);
    const b = await run(ISSUE_EXAMPLE);
    expect(a.code).to.equal(0);
    expect(a.err).to.equal('');
    expect(b.out).to.equal(a.out);
    expect(a.out.trimEnd().split('\n')).to.have.length(1);
    const j = JSON.parse(a.out) as Record<string, unknown>;
    for (const k of ['seed', 'protocol', 'nodes', 'steps', 'delivered', 'dropped', 'duplicated', 'crashes', 'chosen', 'violations', 'reproduce', 'ticksToChosenAfterHeal']) {
      expect(j, k).to.have.property(k);
    }
    expect(j.seed).to.equal(42);
    expect(j.nodes).to.equal(5);
    expect(j.violations).to.deep.equal([]);
    expect(j.chosen).to.equal(1);
    expect(j.reproduce).to.equal(`synod ${ISSUE_EXAMPLE.join(' ')}`);
  });

  it('the reproduce line replays the run exactly', async () => {
    const first = await run(['sim', '--nodes', '3', '--seed', '7', '--loss', '0.2', '--delay', '2-9', '--timeout', '10-30', '--crashes', '--partition', '10-80:1|2,3', '--no-reorder', '--json']);
    const j = JSON.parse(first.out) as { reproduce: string };
    expect(j.reproduce).to.include("--partition '10-80:1|2,3'");
    expect(j.reproduce).to.include('--no-reorder');
    const again = await run(words(j.reproduce));
    expect(again.out).to.equal(first.out);
  });

  it('a violation exits 1 and reports invariant, description, seed, step, trace and reproduce; the reproduce replays it', async () => {
    const argv = ['sim', '--nodes', '3', '--mutant', 'proposer-ignores-promised-values', '--seed', '1', '--loss', '0.2', '--timeout', '5-20', '--partitions', '--crashes', '--json'];
    const r = await run(argv);
    expect(r.code).to.equal(1);
    const j = JSON.parse(r.out) as { violations: { invariant: string; description: string; seed: number; step: number; trace: { step: number }[]; lines: string[] }[]; reproduce: string; endedBy: string };
    expect(j.endedBy).to.equal('violation');
    const v = j.violations[0]!;
    expect(v.invariant).to.equal('VotesSafe');
    expect(v.description).to.match(/is not safe/);
    expect(v.seed).to.equal(1);
    expect(v.step).to.be.greaterThan(0);
    expect(v.trace.length).to.be.greaterThan(0);
    expect(v.trace[v.trace.length - 1]!.step).to.equal(v.step);
    expect(v.lines[v.lines.length - 1]).to.match(/VIOLATION VotesSafe/);
    const again = await run(words(j.reproduce));
    expect(again.code).to.equal(1);
    expect(again.out).to.equal(r.out);
    const readable = await run(argv.filter((a) => a !== '--json'));
    expect(readable.out).to.match(/VIOLATION VotesSafe at step \d+/);
    expect(readable.out).to.match(/reproduce: synod sim /);
  });

  it('--shrink finds a simpler failing run, shows all of it, and its reproduce line replays it', async () => {
    const r = await run(['sim', '--nodes', '3', '--mutant', 'proposer-ignores-promised-values', '--seed', '1', '--loss', '0.2', '--timeout', '5-20', '--partitions', '--crashes', '--shrink', '--json']);
    expect(r.code).to.equal(1);
    const j = JSON.parse(r.out) as { violations: { step: number }[]; shrunk: { invariant: string; step: number; removed: string[]; reproduce: string; trace: { type: string; step: number }[] } };
    const s = j.shrunk;
    expect(s.invariant).to.equal('VotesSafe');
    expect(s.removed).to.include.members(['loss', 'random partitions', 'crashes']);
    expect(s.reproduce).to.not.match(/--loss|--partitions|--crashes/);
    expect(s.trace[s.trace.length - 1]!.type).to.equal('violation');
    const again = JSON.parse((await run(words(s.reproduce))).out) as { violations: { step: number; invariant: string }[] };
    expect(again.violations[0]!.invariant).to.equal('VotesSafe');
    expect(again.violations[0]!.step).to.equal(s.step);
  });

  it('--seeds runs a range and summarizes it, with the liveness distribution', async () => {
    const r = await run(['sim', '--nodes', '3', '--seeds', '1-40', '--loss', '0.1', '--dup', '0.05', '--partitions', '--crashes', '--json']);
    expect(r.code).to.equal(0);
    expect(r.err, 'no progress bar when stdout is not a terminal').to.equal('');
    const j = JSON.parse(r.out) as { runs: number; ok: boolean; chosenFraction: number; failures: unknown[]; ticksToChosenAfterHeal: { healed: number; all: { count: number } } };
    expect(j.runs).to.equal(40);
    expect(j.ok).to.equal(true);
    expect(j.failures).to.deep.equal([]);
    expect(j.chosenFraction).to.equal(1);
    expect(j.ticksToChosenAfterHeal.all.count).to.equal(j.ticksToChosenAfterHeal.healed);
  });

  it('--seeds with a broken variant lists failing seeds, each with its reproduce line, and exits 1', async () => {
    const r = await run(['sim', '--nodes', '3', '--seeds', '1-5', '--mutant', 'acceptor-accepts-below-promise', '--timeout', '5-20', '--loss', '0.2', '--json']);
    expect(r.code).to.equal(1);
    const j = JSON.parse(r.out) as { failures: { seed: number; reproduce: string }[] };
    expect(j.failures.length).to.be.greaterThan(0);
    const f = j.failures[0]!;
    expect(f.reproduce).to.include(`--seed ${f.seed} `);
    expect((await run(words(f.reproduce))).code).to.equal(1);
  });

  it('--trace writes the run as JSON lines, the same for the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synod-sim-'));
    try {
      const files = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
      for (const f of files) expect((await run(['sim', '--nodes', '3', '--seed', '11', '--crashes', '--loss', '0.1', '--trace', f])).code).to.equal(0);
      const a = readFileSync(files[0]!, 'utf8');
      expect(a).to.equal(readFileSync(files[1]!, 'utf8'));
      const events = a.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string });
      expect(events.length).to.be.greaterThan(50);
      expect(events.some((e) => e.type === 'deliver')).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a run whose step budget ran out before its commands were issued says so, in text and JSON (complete: false, shortfall)', async () => {
    const argv = ['sim', '--protocol', 'multipaxos', '--nodes', '5', '--clients', '8', '--commands', '2000', '--seed', '1', '--steps', '3000'];
    const j = JSON.parse((await run([...argv, '--json'])).out) as { ok: boolean; complete: boolean; shortfall: string[]; commandsAsked: number; commands: number };
    expect([j.ok, j.complete, j.commandsAsked]).to.deep.equal([true, false, 16000]);
    expect(j.shortfall[0]).to.equal(`${j.commands} of the 16000 commands asked for were issued`);
    const text = await run(argv);
    expect(text.out).to.contain(`INCOMPLETE: ${j.commands} of the 16000 commands asked for were issued`);
  });

  it('the default step budget scales with the commands asked for, so a Multi-Paxos run issues and settles them all', async () => {
    const j = JSON.parse((await run(['sim', '--protocol', 'multipaxos', '--nodes', '3', '--clients', '2', '--commands', '40', '--seed', '3', '--json'])).out) as Record<string, unknown>;
    expect(j.steps).to.equal(2 * 2 * 40 * 6 * 3 < 5000 ? 5000 : 2 * 2 * 40 * 6 * 3);
    expect(j).to.deep.include({ complete: true, commandsAsked: 80, commands: 80, acks: 80, committed: 80, linearizable: true });
    const plan = simPlan(cliOptions({ protocol: 'multipaxos', nodes: '5', clients: '8', commands: '2000' }));
    expect(plan.base.steps).to.equal(960_000);
    expect(defaultSteps(plan.subject, 5, 8, 2000)).to.equal(960_000);
    expect(simPlan(cliOptions({ protocol: 'single-decree', clients: '8', commands: '2000' })).base.steps).to.equal(5000);
  });

  it('a Multi-Paxos seed range reports committed commands and linearizable histories; ok and reason in the JSON', async () => {
    const r = await run(['sim', '--protocol', 'multipaxos', '--nodes', '3', '--seeds', '1-4', '--steps', '1500', '--loss', '0.05', '--json']);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out) as Record<string, number | boolean>;
    expect(j).to.deep.include({ ok: true, historyRuns: 4, linearizableRuns: 4, failingRuns: 0 });
    expect(j.committed).to.be.greaterThan(20);
    const text = await run(['sim', '--protocol', 'multipaxos', '--nodes', '3', '--seeds', '1-4', '--steps', '1500', '--loss', '0.05']);
    expect(text.out).to.match(/clients: \d+ commands committed, \d+ acknowledged; history linearizable in 4 of 4 runs/);
  });

  it('a run that is not linearizable counts as failing in the summary', () => {
    const summary = new Summary();
    const base = { seed: 1, violations: [], stats: { delivered: 0, dropped: 0, duplicated: 0, crashes: 0, partitions: 0, commands: 1, acks: 1 }, stepsRun: 10, endedBy: 'quiescent', healed: null, chosen: 1, decided: 1, chosenAtHeal: null, ticksToChosenAfterHeal: null };
    summary.add({ ...base, report: { fields: { committed: 1, linearizable: true }, ok: true } } as unknown as SimResult);
    summary.add({ ...base, seed: 2, report: { fields: { committed: 1, linearizable: false }, ok: false } } as unknown as SimResult);
    expect([summary.failing(), summary.linearizableRuns, summary.reportRuns, summary.reportFailures.map((f) => f.seed)]).to.deep.equal([1, 1, 2, [2]]);
  });

  it('interrupted: a seed range stops after the seed that was running, prints the partial summary with interrupted: true, exit 130', async () => {
    const plan = simPlan(cliOptions({ nodes: '3', seeds: '1-50', json: true }));
    let done = 0;
    const report = await rangeReport(plan, { progress: (d) => { done = d; }, get interrupted() { return done >= 3; } });
    expect(report.exit).to.equal(130);
    expect(report.json).to.deep.include({ interrupted: true, runs: 3, seedsRun: '1-3', seeds: '1-50' });
    expect(report.lines.join('\n')).to.contain('INTERRUPTED after 3 of 50 seeds (1-3)');
  });

  const bad: [string[], RegExp][] = [
    [['--nodes', '0'], /--nodes takes a whole number from 1/],
    [['--loss', '2'], /--loss takes a probability from 0 to 1/],
    [['--protocol', 'nope'], /--protocol must be one of single-decree/],
    [['--dup', '-0.1'], /--dup takes a probability/],
    [['--seeds', '9-3'], /--seeds: the range 9-3 is empty/],
    [['--seed', '1', '--seeds', '1-2'], /not both/],
    [['--delay', '5-1'], /--delay: the range 5-1 is empty/],
    [['--partition', '5:1|2'], /--partition takes START-END/],
    [['--mutant', 'nope'], /--mutant must be one of/],
    [['--check', 'some'], /--check must be one of/],
    [['--proposers', '9', '--nodes', '3'], /--proposers takes a whole number from 1 to 3/],
    [['--seeds', '1-2', '--trace', 'x.jsonl'], /--trace writes the trace of one run/],
    [['--seeds', '1-2', '--shrink'], /--shrink shrinks one failing run/],
    [['--steps', 'many'], /--steps takes a whole number/],
    [['--partition', '1-50:1|1'], /--partition: node 1 is on both sides of '1-50:1\|1'/],
    [['--partition', '1-50:1,2>2,3'], /--partition: node 2 is on both sides/],
    [['--seeds', '1-4294967295'], /--seeds 1-4294967295 is 4294967295 runs, about \d+ days .*run at most 1000000 seeds at a time/],
    [['--policy', 'raft'], /unknown option '--policy'/],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with one line for ${args.join(' ')}`, async () => {
      const r = await run(['sim', ...args]);
      expect(r.code).to.equal(2);
      expect(r.out).to.equal('');
      expect(r.err.trimEnd().split('\n')).to.have.length(1);
      expect(r.err).to.match(message);
    });
  }
});
