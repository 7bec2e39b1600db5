/** `synod check`: the JSON shape, exit codes, the zoo listing, a mutant alone, bad arguments. */
import { RAFT_MUTANTS } from '../../lib/zoo/raft';
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../helpers/cli';
import { PAXOS_MUTANTS } from '../../lib/zoo/paxos';
import { MULTIPAXOS_MUTANTS as ALL_MULTIPAXOS_MUTANTS, READ_MUTANTS } from '../../lib/zoo/multipaxos';

/** The checker's zoo holds the log mutants (the read mutants are caught by the simulator). */
const MULTIPAXOS_MUTANTS = ALL_MULTIPAXOS_MUTANTS.filter((m) => !READ_MUTANTS.has(m.name));
import { fromJsonLines } from '../../lib/check/trace';

describe('synod check', () => {
  it('--json prints one object with the configuration, the counts and the properties, and exits 0 when everything held', async () => {
    const r = await run('check', '--protocol', 'single-decree', '--acceptors', '1', '--proposers', '2', '--values', '2', '--max-round', '2', '--json');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(out)).to.deep.equal(['ok', 'protocol', 'config', 'states', 'transitions', 'depth', 'seconds', 'complete', 'violations', 'sometimes']);
    expect(out).to.deep.include({ protocol: 'single-decree', states: 1_054, transitions: 8_763, depth: 19, complete: true, violations: [] });
    expect(out['sometimes']).to.deep.equal({ 'a value is chosen': { holds: true, depth: 4 } });
    expect(r.err).to.equal('');
  });

  it('--topology separate --symmetry counts one state per class; --timers and --lose pick who retries and what is lost', async () => {
    const r = await run('check', '--topology', 'separate', '--symmetry', '--max-round', '3', '--timers', '1', '--lose', 'rejected,accepted', '--acceptors', '2', '--json');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.out) as { config: Record<string, unknown>; complete: boolean; states: number };
    expect(out.config).to.deep.include({ topology: 'separate', symmetry: true, timers: 1, lose: ['rejected', 'accepted'] });
    expect(out.complete).to.equal(true);
    const plain = await run('check', '--topology', 'separate', '--max-round', '3', '--timers', '1', '--lose', 'rejected,accepted', '--acceptors', '2', '--json');
    expect(out.states).to.be.below((JSON.parse(plain.out) as { states: number }).states);
    const bad = await run('check', '--lose', 'nope');
    expect([bad.code, bad.err.trim()]).to.deep.equal([2, "synod: --lose must be one of prepare, promise, accept, accepted, rejected, got 'nope'"]);
    // Without the exact reductions: the roles' states as they are, every message kept.
    const raw = await run('check', '--acceptors', '1', '--max-round', '2', '--keep-obsolete', '--raw-states', '--json');
    expect(JSON.parse(raw.out)).to.deep.include({ states: 23_535, complete: true });
    expect((JSON.parse(raw.out) as { config: Record<string, unknown> }).config).to.deep.include({ pruneObsolete: false, normalize: false });
    const colocated = await run('check', '--symmetry');
    expect(colocated.code).to.equal(2);
    expect(colocated.err).to.match(/needs topology 'separate'/);
  });

  it('prints readable lines without --json', async () => {
    const r = await run('check', '--acceptors', '1', '--network', 'multiset', '--crashes', '1');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^single-decree: 1 acceptors, 2 proposers, 2 values \(own\), max round 1, 0 timers, multiset network, 1 crashes/);
    expect(r.out).to.contain('every invariant holds in every reachable state');
  });

  it('exits 1 and prints the counterexample as message lines when an invariant breaks', async () => {
    const r = await run('check', '--acceptors', '3', '--phase1', '1', '--phase2', '2');
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/VIOLATION of Agreement after 10 actions/);
    expect(r.out).to.contain('deliver n1 -> n1 : prepare slot 1 ballot 1.1');
  });

  it('exits 1 when nothing can ever be chosen (the only acceptor never runs): the check would pass vacuously', async () => {
    const r = await run('check', '--acceptors', '1', '--down', '1', '--json');
    expect(r.code).to.equal(1);
    const out = JSON.parse(r.out) as { ok: boolean; reason: string; sometimes: unknown };
    expect(out.sometimes).to.deep.equal({ 'a value is chosen': { holds: false, depth: null } });
    expect([out.ok, out.reason]).to.deep.equal([false, 'never reached: a value is chosen']);
  });

  it('--list-mutants prints the zoo, one a line, name first, then what it breaks', async () => {
    const r = await run('check', '--list-mutants');
    expect(r.code).to.equal(0);
    const lines = r.out.trim().split('\n');
    const names = lines.map((l) => l.split('  ')[0]);
    expect(names.slice(0, PAXOS_MUTANTS.length)).to.deep.equal(PAXOS_MUTANTS.map((m) => m.name));
    expect(names.slice(PAXOS_MUTANTS.length, PAXOS_MUTANTS.length + MULTIPAXOS_MUTANTS.length)).to.deep.equal(MULTIPAXOS_MUTANTS.map((m) => m.name));
    expect(names.slice(-RAFT_MUTANTS.length)).to.deep.equal(RAFT_MUTANTS.map((m) => m.name));
    expect(lines.at(-1)).to.contain('[raft]');
    expect(lines[0]).to.contain(PAXOS_MUTANTS[0]!.breaks);
  });

  it('--mutant NAME alone runs its smallest configuration, says which, exits 1 and writes the trace', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-check-')), 'trace.jsonl');
    const r = await run('check', '--mutant', 'proposer-ignores-promised-values', '--trace', file);
    expect(r.code).to.equal(1);
    expect(r.out).to.contain('at its smallest recorded configuration: 1 acceptors, 2 proposers, 2 values (own), max round 1');
    expect(r.out).to.match(/VIOLATION of Agreement, VotesSafe after 8 actions/);
    const events = fromJsonLines(fs.readFileSync(file, 'utf8'));
    expect(events.map((e) => e.type)).to.include('deliver');
    expect(events).to.have.length(8);
  });

  it('--mutant NAME with a configuration runs that configuration', async () => {
    const r = await run('check', '--mutant', 'ballots-not-unique-across-proposers', '--acceptors', '2', '--json');
    expect(r.code).to.equal(1);
    const out = JSON.parse(r.out) as { config: { acceptors: number; mutant: string }; violations: { invariants: string[] }[] };
    expect(out.config).to.deep.include({ acceptors: 2, mutant: 'ballots-not-unique-across-proposers' });
    expect(out.violations[0]!.invariants).to.deep.equal(['OneValuePerBallot']);
  });

  it('--protocol multipaxos checks the Multi-Paxos layer and prints the same JSON shape', async () => {
    const r = await run('check', '--protocol', 'multipaxos', '--commands', '1', '--timers', '2', '--json');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(out)).to.deep.equal(['ok', 'protocol', 'config', 'states', 'transitions', 'depth', 'seconds', 'complete', 'violations', 'sometimes']);
    expect(out).to.deep.include({ protocol: 'multipaxos', states: 2_180, transitions: 26_112, depth: 22, complete: true, violations: [] });
  });

  it('--protocol multipaxos with --raw-states --keep-obsolete checks the states as they are (the row "as is")', async () => {
    const r = await run('check', '--protocol', 'multipaxos', '--commands', '1', '--timers', '2', '--raw-states', '--keep-obsolete', '--json');
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.include({ protocol: 'multipaxos', states: 12_948, transitions: 233_246, depth: 27, complete: true, violations: [] });
  });

  it('--mutant leader-acks-before-quorum alone runs its smallest Multi-Paxos configuration and exits 1', async () => {
    const r = await run('check', '--mutant', 'leader-acks-before-quorum');
    expect(r.code).to.equal(1);
    expect(r.out).to.contain('at its smallest recorded configuration: 2 nodes, 1 command, a timer on node 1, max round 1');
    expect(r.out).to.match(/VIOLATION of AckImpliesChosen after 5 actions/);
    expect(r.out).to.contain('n1 tells client c1 that command 1 is done');
  });

  it('--mutant of Multi-Paxos with configuration flags runs that configuration (one command: new-leader-skips-merge has nothing to overwrite)', async () => {
    const r = await run('check', '--mutant', 'new-leader-skips-merge', '--commands', '1', '--json');
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.include({ protocol: 'multipaxos', states: 3916, complete: true, violations: [] });
  });

  it('--protocol multipaxos refuses single-decree flags, and the multiset network', async () => {
    const a = await run('check', '--protocol', 'multipaxos', '--acceptors', '3');
    expect([a.code, a.err.trim()]).to.deep.equal([2, 'synod: --acceptors does not apply to --protocol multipaxos']);
    const b = await run('check', '--protocol', 'multipaxos', '--network', 'multiset');
    expect(b.code).to.equal(2);
    expect(b.err).to.match(/--network must be one of set, got 'multiset'/);
  });

  it('--dfs and --max-states: a run the budget cut short says it is not exhaustive and exits 3; --bounded makes it exit 0', async () => {
    const r = await run('check', '--dfs', '--max-states', '1000', '--json');
    expect(r.code).to.equal(3);
    const out = JSON.parse(r.out) as { ok: boolean; reason: string; bounded: boolean; states: number; complete: boolean; config: { search: string } };
    expect([out.states, out.complete, out.config.search]).to.deep.equal([1000, false, 'dfs']);
    expect([out.ok, out.bounded, out.reason]).to.deep.equal([false, false, 'not exhaustive: the state budget stopped the search at 1000 states']);
    const text = await run('check', '--max-states', '1000');
    expect(text.code).to.equal(3);
    expect(text.out).to.match(/NOT EXHAUSTIVE: the state budget stopped the search at 1000 states \(exit 3;/);
    const bounded = await run('check', '--max-states', '1000', '--bounded', '--json');
    expect(bounded.code).to.equal(0);
    expect(JSON.parse(bounded.out)).to.deep.include({ ok: true, bounded: true, complete: false });
  });

  it('a large configuration runs with visible progress on stderr (a status line when stderr is not a terminal)', async () => {
    let out = '';
    let err = '';
    const { main } = await import('../../lib/cli/main');
    const code = await main(['check', '--max-round', '100', '--max-states', '100000', '--bounded'], { out: (t) => { out += t; }, err: (t) => { err += t; } }, { after: 0, every: 0, tty: false });
    expect(code).to.equal(0);
    expect(out).to.contain('bounded run (--bounded)');
    expect(err).to.match(/^check: \d+ states, \d+ queued, \d+ states\/s, \d+ s$/m);
  });

  it('--list-mutants takes no other option', async () => {
    const r = await run('check', '--list-mutants', '--mutant', 'nonsense');
    expect([r.code, r.out, r.err]).to.deep.equal([2, '', 'synod: --list-mutants takes no other option, got --mutant\n']);
  });

  for (const [args, message] of [
    [['--acceptors', 'x'], /--acceptors takes a whole number from 1 to 9, got 'x'/],
    [['--network', 'fifo'], /--network must be one of set, multiset, got 'fifo'/],
    [['--protocol', 'zab'], /--protocol must be one of single-decree, multipaxos, raft, got 'zab'/],
    [['--protocol', 'raft', '--max-round', '2'], /--max-round does not apply to --protocol raft/],
    [['--mutant', 'nope'], /no mutant named 'nope'/],
    [['--phase1', '4'], /phase-1 quorum size must be a whole number from 1 to 3, got 4/],
    [['--down', '7'], /down node 7 is not in the cluster/],
    [['--values', '0'], /--values takes a whole number from 1 to 26, got '0'/],
    [['--timers', '5'], /--timers takes a whole number from 0 to 2, got '5'/],
    [['--timers', '1'], /--timers 1: with --max-round 1 no proposer retries/],
    [['--learners', '9'], /--learners takes a whole number from 0 to 3, got '9'/],
    [['--protocol', 'multipaxos', '--timers', '5'], /--timers takes a whole number from 1 to 3, got '5'/],
    [['--max-states', '0'], /--max-states takes a whole number from 1/],
  ] as const) {
    it(`exits 2 with one line for ${args.join(' ')}`, async () => {
      const r = await run('check', ...args);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(message);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.out).to.equal('');
    });
  }
});
