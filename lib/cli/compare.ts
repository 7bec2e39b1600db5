/**
 * `synod compare`: one scenario, played under Paxos's leader rules, Raft's, and Raft without the
 * current-term commit rule, printed step by step side by side.
 *
 *   synod compare --scenario figure8|slot812|partitioned-leader [--json]
 *
 * For every step: the event, each node's log under each policy (entry, its term under Raft, the
 * ballot it was voted in, `*` for a learned slot), what each policy has committed, and the
 * messages delivered or lost. Then one verdict line per policy, computed by the safety monitor
 * while the real node code ran (lib/raft/safety.ts).
 *
 * Exit 0 when every correct policy is safe, the broken variant shows its violation where it is
 * expected to (figure8), and every scenario expectation held; 1 otherwise; 2 for a bad argument.
 */
import type { Command } from 'commander';
import { POLICIES } from '../raft/policy';
import type { NodeSnapshot, ScenarioRun } from '../raft/scenarios';
import { SCENARIOS, runScenario } from '../raft/scenarios';
import { UsageError, oneOf } from './args';
import type { CliContext } from './main';
import type { Report } from './output';
import { emit } from './output';

const MAX_MESSAGES = 16;

function nodeCell(n: NodeSnapshot): string {
  const role = n.role === 'leader' ? 'L' : n.role === 'candidate' ? 'C' : 'F';
  return `S${n.id}${n.up ? '' : '(down)'} ${role} p${n.promised} c${n.commit} [${n.log.join(' ')}]`;
}

/** Columns padded to the widest cell, separated by ` | `. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(' | ').trimEnd());
}

export function verdictLine(run: ScenarioRun): string {
  const verdict = run.safe ? 'SAFE' : `UNSAFE: ${run.violations[0]?.invariant ?? ''}: ${run.violations[0]?.description ?? ''}`;
  const expected = run.expectedSafe ? 'expected safe' : 'expected unsafe (the broken variant)';
  const failed = run.expectations.filter((e) => !e.held).map((e) => e.description);
  const tail = failed.length === 0 ? '' : `; expectations that did not hold: ${failed.join('; ')}`;
  return `${run.ok ? 'ok  ' : 'FAIL'} ${run.policy}: ${verdict} (${expected})${tail}`;
}

export function compareReport(scenario: string): Report {
  const name = oneOf('--scenario', scenario, SCENARIOS);
  const runs = POLICIES.map((p) => runScenario(name, p));
  const steps = Math.max(...runs.map((r) => r.steps.length));
  const lines: string[] = [`synod compare --scenario ${name}: ${runs.map((r) => r.policy).join(' | ')}`];
  for (let i = 0; i < steps; i += 1) {
    lines.push('');
    const labels = runs.map((r) => r.steps[i]?.label ?? '-');
    const same = labels.every((l) => l === labels[0]);
    lines.push(same ? `step ${i + 1}: ${labels[0] ?? ''}` : `step ${i + 1}: ${runs.map((r, k) => `[${r.policy}] ${labels[k] ?? ''}`).join('  ')}`);
    const nodeCount = Math.max(...runs.map((r) => r.steps[i]?.nodes.length ?? 0));
    const rows: string[][] = [runs.map((r) => r.policy)];
    for (let n = 0; n < nodeCount; n += 1) rows.push(runs.map((r) => { const node = r.steps[i]?.nodes[n]; return node === undefined ? '' : nodeCell(node); }));
    rows.push(runs.map((r) => `committed: ${r.steps[i]?.committed.join(' ') || '(nothing)'}`));
    lines.push(...table(rows).map((l) => `  ${l}`));
    for (const r of runs) {
      const step = r.steps[i];
      if (step === undefined) continue;
      const shown = step.messages.slice(0, MAX_MESSAGES).join(', ');
      const more = step.messages.length > MAX_MESSAGES ? `, ... (+${step.messages.length - MAX_MESSAGES})` : '';
      if (step.messages.length > 0) lines.push(`  ${r.policy} messages: ${shown}${more}`);
      for (const v of step.violations) lines.push(`  ${r.policy} VIOLATION ${v.invariant}: ${v.description}`);
    }
  }
  lines.push('');
  lines.push(...runs.map(verdictLine));
  const ok = runs.every((r) => r.ok);
  lines.push(ok ? 'every policy behaved as expected' : 'a policy did not behave as expected');
  return { lines, json: { scenario: name, ok, runs }, ok };
}

export function registerCompare(cli: Command, context: CliContext): void {
  cli
    .command('compare')
    .description('one scenario under Paxos and Raft leader rules, step by step side by side, with a verdict per policy')
    .option('--scenario <name>', `one of ${SCENARIOS.join(', ')}`)
    .option('--json', 'print one JSON object')
    .action((options: { scenario?: string; json?: boolean }) => {
      if (options.scenario === undefined) throw new UsageError(`--scenario is required (one of ${SCENARIOS.join(', ')})`);
      context.exitCode = emit(compareReport(options.scenario), options.json === true, context.io);
    });
}
