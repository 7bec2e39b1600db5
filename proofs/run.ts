/**
 * `npm run proofs`: checks every proof configuration (proofs/configurations.ts) and every
 * mutant of the bug zoo at its smallest configuration, prints the table, and exits 1 if a
 * pinned count moved, an invariant broke where none should, or a mutant was not caught.
 *
 *   npm run proofs                 every row but the long ones, and the zoo (a few minutes on 2 cores)
 *   npm run proofs -- --json       one JSON object instead of the table
 *   npm run proofs:long            the long rows only (`long: true`: each takes a quarter of an hour or more)
 *
 * Progress goes to stderr (lib/cli/progress.ts): after 2 s, a bar on a terminal, otherwise a
 * status line every 10 s naming the row and its states so far.
 */
import { checkSingleDecree } from '../lib/check/report';
import type { Progress as CheckProgress } from '../lib/check/model-checker';
import { processOutput } from '../lib/cli/output';
import { progress as progressDisplay } from '../lib/cli/progress';
import type { CheckReport } from '../lib/check/report';
import { checkMultiPaxosOrThrow } from '../lib/check/multipaxos';
import { readZooEntries, zooEntries } from '../lib/check/zoo';
import { DURABILITY_PINNED, MULTIPAXOS_PINNED, MULTIPAXOS_READS_PINNED, OWN_VOTE_PINNED, PINNED, RAFT_PINNED, READ_ZOO_PINNED } from './configurations';
import { checkRaftModel } from '../lib/check/raft';
import type { DurabilityProofConfiguration, MultiPaxosProofConfiguration, ProofConfiguration } from './configurations';

interface Row {
  readonly name: string;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly complete: boolean;
  readonly verdict: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

function verdictOf(c: ProofConfiguration, r: CheckReport): { verdict: string; problems: string[] } {
  const problems: string[] = [];
  const chosen = r.sometimes['a value is chosen']?.holds === true;
  switch (c.expect) {
    case 'pass':
      if (!r.complete) problems.push('not exhaustive');
      if (r.violations.length > 0) problems.push(`violation: ${r.violations[0]!.description}`);
      if (!chosen) problems.push('no value is ever chosen');
      for (const [k, want] of [['states', c.states], ['transitions', c.transitions], ['depth', c.depth]] as const) {
        if (r[k] !== want) problems.push(`${k} ${r[k]}, pinned ${want}`);
      }
      return { verdict: 'every invariant holds; a value is chosen', problems };
    case 'violation': {
      const v = r.violations[0];
      if (v === undefined) {
        problems.push('no counterexample found');
        return { verdict: 'no counterexample', problems };
      }
      if (r.states !== c.states) problems.push(`states ${r.states}, pinned ${c.states}`);
      if (v.length !== c.depth) problems.push(`trace ${v.length}, pinned ${c.depth}`);
      return { verdict: `counterexample (${v.invariants.join(', ')}), ${v.length} actions`, problems };
    }
    default: {
      const never: never = c.expect;
      throw new Error(`unexpected expectation ${String(never)}`);
    }
  }
}

/** A log-level row (Multi-Paxos or Raft): exhaustive, no violation, every sometimes-property witnessed, counts as pinned. */
function logVerdict(c: Pick<MultiPaxosProofConfiguration, 'states' | 'transitions' | 'depth'>, r: CheckReport<unknown>): { verdict: string; problems: string[] } {
  const problems: string[] = [];
  if (!r.complete) problems.push('not exhaustive');
  if (r.violations.length > 0) problems.push(`violation: ${r.violations[0]!.description}`);
  for (const [name, s] of Object.entries(r.sometimes)) if (!s.holds) problems.push(`never: ${name}`);
  for (const [k, want] of [['states', c.states], ['transitions', c.transitions], ['depth', c.depth]] as const) {
    if (r[k] !== want) problems.push(`${k} ${r[k]}, pinned ${want}`);
  }
  return { verdict: `every invariant holds; ${Object.keys(r.sometimes).join('; ')}`, problems };
}

/** A lazy-records row: as a log-level row when it must pass; a counterexample, at the pinned size, when it must not. */
function durabilityVerdict(c: DurabilityProofConfiguration, r: CheckReport<unknown>): { verdict: string; problems: string[] } {
  if (c.expect === 'pass') return logVerdict(c, r);
  const v = r.violations[0];
  if (v === undefined) return { verdict: 'no counterexample', problems: ['no counterexample found'] };
  const problems: string[] = [];
  if (r.states !== c.states) problems.push(`states ${r.states}, pinned ${c.states}`);
  if (v.length !== c.depth) problems.push(`trace ${v.length}, pinned ${c.depth}`);
  return { verdict: `counterexample (${v.invariants.join(', ')}), ${v.length} actions`, problems };
}

function main(): number {
  const json = process.argv.includes('--json');
  const rows: Row[] = [];
  const progress = (line: string): void => {
    if (!json) process.stdout.write(line);
  };
  const longRows = process.argv.includes('--long');
  const singles = PINNED.filter((p) => (p.long === true) === longRows);
  const multis = MULTIPAXOS_PINNED.filter((p) => (p.long === true) === longRows);
  const readRows = MULTIPAXOS_READS_PINNED.filter((p) => (p.long === true) === longRows);
  const rafts = longRows ? [] : RAFT_PINNED;
  const durability = longRows ? [] : DURABILITY_PINNED;
  const ownVotes = longRows ? [] : OWN_VOTE_PINNED;
  const mutants = longRows ? [] : [...zooEntries(), ...readZooEntries()];
  const total = singles.length + multis.length + readRows.length + rafts.length + durability.length + ownVotes.length + mutants.length;
  const display = progressDisplay(processOutput, 'proofs');
  let done = 0;
  const watching = (name: string): { progress: (p: CheckProgress) => void } => ({
    progress: (p) => display.update(done, total, `${name}: ${p.states.toLocaleString('en-US')} states after ${p.seconds.toFixed(0)} s of this row`),
  });
  const finished = (): void => {
    done += 1;
    display.update(done, total);
  };
  progress('Single-decree Paxos, the real roles of lib/paxos, every reachable state (BFS)\n\n');
  const record = (name: string, r: CheckReport<unknown>, judged: { verdict: string; problems: string[] }): void => {
    finished();
    const row: Row = { name, states: r.states, transitions: r.transitions, depth: r.depth, seconds: r.seconds, complete: r.complete, verdict: judged.verdict, ok: judged.problems.length === 0, problems: judged.problems };
    rows.push(row);
    progress(line(row));
  };
  for (const c of singles) {
    const run = checkSingleDecree(c.options, watching(c.name));
    if (!run.ok) throw new Error(`synod: ${run.error}`);
    record(c.name, run.report, verdictOf(c, run.report));
  }
  progress(longRows ? '' : '\nMulti-Paxos, the real stable-leader layer of lib/multipaxos, every reachable state (BFS)\n\n');
  for (const c of multis) {
    const r = checkMultiPaxosOrThrow(c.options, watching(c.name));
    record(c.name, r, logVerdict(c, r));
  }
  progress(longRows || readRows.length === 0 ? '' : '\nMulti-Paxos reads outside the log: one read-index read at any node, ReadsLinearizable in every state (BFS)\n\n');
  for (const c of readRows) {
    const r = checkMultiPaxosOrThrow(c.options, watching(c.name));
    record(c.name, r, logVerdict(c, r));
  }
  progress(longRows ? '' : '\nRaft, the real Figure-2 servers of lib/raft, every reachable state (BFS)\n\n');
  for (const c of rafts) {
    const r = checkRaftModel(c.options, watching(c.name));
    record(c.name, r, logVerdict(c, r));
  }
  const durabilitySections = [
    ['Multi-Paxos with lazy learned records (docs/runtime.md): a crash loses every learned value', durability],
    ["Multi-Paxos with the leader's own vote in parallel (what the real node runs): its accept to itself and the acceptance back are messages", ownVotes],
  ] as const;
  for (const [title, rows] of durabilitySections) {
    progress(longRows ? '' : `\n${title}\n\n`);
    for (const c of rows) {
      const r = checkMultiPaxosOrThrow(c.options, watching(c.name));
      record(c.name, r, durabilityVerdict(c, r));
    }
  }
  progress(longRows ? '' : '\nThe bug zoo, each mutant at its smallest configuration, and the correct code there\n\n');
  const zoo = mutants.map((e) => {
    const caught = e.run();
    const control = e.control(e.boundedControl === undefined ? {} : { maxStates: e.boundedControl });
    finished();
    const v = caught.violations[0];
    // A read mutant is pinned: caught by ReadsLinearizable, in a pinned number of actions.
    const pinned = READ_ZOO_PINNED[e.name];
    const asPinned = pinned === undefined || (v !== undefined && v.length === pinned.length && v.invariants.join(',') === pinned.invariants.join(','));
    const ok = v !== undefined && asPinned && control.violations.length === 0 && (control.complete || e.boundedControl !== undefined);
    const row = { name: e.name, protocol: e.protocol, smallest: e.smallest, caughtBy: v?.invariants ?? [], trace: v?.length ?? null, states: caught.states, seconds: caught.seconds, controlStates: control.states, ok };
    progress(
      `${ok ? 'ok  ' : 'FAIL'} ${e.name.padEnd(38)} ${v === undefined ? 'NOT CAUGHT' : `caught by ${v.invariants.join(', ')}, trace ${v.length}`}${asPinned ? '' : ` (pinned: ${pinned!.invariants.join(', ')}, trace ${pinned!.length})`}; correct code: ` +
        `${control.violations.length === 0 ? 'passes' : 'FAILS'} (${control.states} states${control.complete ? '' : ', the first found: bounded'})\n       at ${e.smallest}\n`,
    );
    return row;
  });
  display.finish();
  const ok = rows.every((r) => r.ok) && zoo.every((z) => z.ok);
  if (json) process.stdout.write(`${JSON.stringify({ ok, configurations: rows, zoo })}\n`);
  else process.stdout.write(`\n${ok ? 'all proofs hold' : 'SOME PROOF FAILED'}\n`);
  return ok ? 0 : 1;
}

function line(r: Row): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const head = `${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(40)} ${n(r.states).padStart(10)} states ${n(r.transitions).padStart(12)} transitions  depth ${String(r.depth).padStart(2)}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.verdict}\n`;
  return r.problems.length === 0 ? head : `${head}       ${r.problems.join('; ')}\n`;
}

process.exitCode = main();
