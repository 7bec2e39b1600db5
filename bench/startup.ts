/**
 * The startup benchmark: how much CPU the `synod` command spends on a short run, against a
 * baseline measured in the same run, as one JSON object.
 *
 *   npx ts-node --transpile-only bench/startup.ts            (npm run bench:startup)
 *   npx ts-node --transpile-only bench/startup.ts --runs 3   (fewer repetitions)
 *
 * Each command runs as its own child process, several times, alternating with the others so
 * that a busy moment of the machine spreads over all of them; the figure is the median of the
 * child's user + system CPU time. The CPU time is measured by bash's `time` keyword with
 * TIMEFORMAT='%3U %3S': bash reads the child's resource usage when it reaps it (getrusage of
 * RUSAGE_CHILDREN, the same counters as wait4), so it counts the node process and nothing of
 * this benchmark. Wall-clock time is not used: two cores shared by several users make it noise.
 *
 * Baseline: `node -e 0`, the cost of starting Node.js at all. The issue's budget is 0.3 s of
 * CPU for `synod map`, `synod demo` and a one-seed `synod sim` (the default protocol,
 * single-decree); each row reports its CPU, its ratio to the baseline, and for those three
 * whether the whole run is within the budget. Rows that are not budgeted: `--version`; a
 * one-seed Multi-Paxos sim (5,000 steps of work); `--help` of demo and sim, which load exactly
 * that subcommand's modules and run nothing (the cost of starting, apart from the work); and
 * `synod map` the way the command ran before it was compiled (ts-node compiling the
 * TypeScript sources on every start), for comparison.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'synod.js');
const BUDGET_MS = 300;
/** Where a child's stderr goes, to quote it if the child fails. */
const childErr = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-startup-')), 'child.err');

interface Row {
  readonly name: string;
  readonly argv: readonly string[];
  /** Counts against the 0.3 s budget (false for the baseline and the comparison row). */
  readonly budgeted: boolean;
}

const ROWS: readonly Row[] = [
  { name: 'node -e 0', argv: ['-e', '0'], budgeted: false },
  { name: 'synod --version', argv: [bin, '--version'], budgeted: false },
  { name: 'synod map', argv: [bin, 'map'], budgeted: true },
  { name: 'synod demo', argv: [bin, 'demo'], budgeted: true },
  { name: 'synod sim --protocol single-decree --seed 1', argv: [bin, 'sim', '--protocol', 'single-decree', '--seed', '1'], budgeted: true },
  { name: 'synod sim --protocol multipaxos --seed 1', argv: [bin, 'sim', '--protocol', 'multipaxos', '--seed', '1'], budgeted: false },
  // Loading alone: `--help` of a subcommand loads exactly its modules and runs nothing.
  { name: 'synod demo --help (loading only)', argv: [bin, 'demo', '--help'], budgeted: false },
  { name: 'synod sim --help (loading only)', argv: [bin, 'sim', '--help'], budgeted: false },
  {
    name: 'synod map through ts-node (before: the sources compiled on every start)',
    argv: ['-e', `require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, 'tsconfig.json'))} }); require(${JSON.stringify(path.join(root, 'lib', 'cli', 'main.ts'))}).main(['map']).then((c) => { process.exitCode = c; })`],
    budgeted: false,
  },
];

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One run of `node ARGV` under bash's `time`: the child's user and system CPU, in ms. */
function cpu(argv: readonly string[]): { user: number; sys: number } {
  const command = `TIMEFORMAT='%3U %3S'; time ${[process.execPath, ...argv].map(quote).join(' ')} >/dev/null 2>${quote(childErr)}`;
  const r = spawnSync('bash', ['-c', command], { cwd: root, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`synod bench: cannot run bash (${r.error.message})`);
  if (r.status !== 0) {
    const err = fs.existsSync(childErr) ? fs.readFileSync(childErr, 'utf8') : '';
    throw new Error(`synod bench: \`node ${argv.join(' ')}\` exited ${r.status}: ${err.split('\n')[0] ?? ''}`);
  }
  const found = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
  if (found?.[1] === undefined || found[2] === undefined) throw new Error(`synod bench: no timing in bash's output: ${r.stderr}`);
  return { user: Number(found[1]) * 1000, sys: Number(found[2]) * 1000 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function main(args: readonly string[]): void {
  const at = args.indexOf('--runs');
  const runs = at === -1 ? 7 : Number(args[at + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`synod bench: --runs takes a positive integer, not '${args[at + 1] ?? ''}'`);
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('synod bench: dist/ is missing: run `npm run build` first');
  const samples = ROWS.map(() => [] as { user: number; sys: number }[]);
  for (let i = 0; i < runs; i += 1) ROWS.forEach((row, r) => samples[r]?.push(cpu(row.argv)));
  const baseline = median((samples[0] ?? []).map((s) => s.user + s.sys));
  const rows = ROWS.map((row, r) => {
    const taken = samples[r] ?? [];
    const cpuMs = median(taken.map((s) => s.user + s.sys));
    return {
      command: row.name,
      cpuMs,
      userMs: median(taken.map((s) => s.user)),
      sysMs: median(taken.map((s) => s.sys)),
      ratioToBaseline: Math.round((cpuMs / baseline) * 100) / 100,
      ...(row.budgeted ? { withinBudget: cpuMs < BUDGET_MS } : {}),
      samplesMs: taken.map((s) => Math.round(s.user + s.sys)),
    };
  });
  const budgeted = rows.filter((r) => 'withinBudget' in r);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'startup',
        measure: "median over runs of the child's user+sys CPU, from bash's time (TIMEFORMAT='%3U %3S', the child's rusage)",
        node: process.version,
        runs,
        budgetMs: BUDGET_MS,
        baselineMs: baseline,
        ok: budgeted.every((r) => r.withinBudget === true),
        rows,
      },
      null,
      2,
    )}\n`,
  );
}

try {
  main(process.argv.slice(2));
} finally {
  fs.rmSync(path.dirname(childErr), { recursive: true, force: true });
}
