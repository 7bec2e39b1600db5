/**
 * `synod compare`: one scenario played step for step on Multi-Paxos (lib/multipaxos) and on
 * Raft (lib/raft), and on the broken Raft of Figure 8 where the scenario is about that bug.
 *
 *   synod compare --scenario figure8|slot812|partitioned-leader [--json]
 *
 * For every step: the event, the row of the mapping table it shows (`synod map`), then under
 * each protocol every server's state, what is committed, the messages delivered or lost, and
 * any violation. Then one verdict line per protocol: what the invariants found while the real
 * code ran (lib/invariants/log.ts, lib/invariants/raft.ts), and the scenario's expectations.
 * Lines are wrapped to 100 columns.
 *
 * Exit 0 when both real protocols are safe, the broken variant shows its violation (figure8),
 * and every expectation held; 1 otherwise; 2 for a bad argument.
 */
import type { Command } from 'commander';
import type { ScenarioRun, ScenarioTools, SideName } from '../demo/scenarios';
import { SCENARIOS, runScenario, sidesOf } from '../demo/scenarios';
import { describeMessage } from '../multipaxos/format';
import { raftMutant } from '../zoo/raft';
import { checkLog } from '../invariants/log';
import { checkRaft } from '../invariants/raft';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import type { MultiMessage } from '../multipaxos/messages';
import type { KvOp } from '../machine/kv';
import { UsageError, oneOf } from './args';
import type { CliContext } from './context';
import type { Report } from './output';
import { emit } from './output';

const WIDTH = 100;
const MAX_MESSAGES = 12;

export const LEGEND: readonly string[] = [
  'legend: S1 L|C|F = server 1, leader, candidate or follower; (down) = crashed.',
  '  multipaxos: b41.2 = the ballot promised; [slot:entry] with * learned (chosen),',
  '    /41.2 = accepted in that ballot and not yet learned.',
  '  raft: t4 = currentTerm; [index:entry@term] with * committed (index <= commitIndex).',
  '  raft-figure8-broken: Raft whose leader commits by counting replicas, any term (Figure 8).',
  '  mapping: the row of `synod map` the step shows.',
];

/** `text` cut into lines of at most `width` columns at spaces, continuation lines indented by `indent`. */
export function wrap(text: string, width = WIDTH, indent = '      '): string[] {
  const out: string[] = [];
  const lead = /^ */.exec(text)?.[0] ?? '';
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = line.trim() === '' ? line + word : `${line} ${word}`;
  }
  if (line.trim() !== '') out.push(line);
  return out.flatMap((l) => (l.length <= width ? [l] : chop(l, width, indent)));
}

function chop(line: string, width: number, indent: string): string[] {
  const out: string[] = [line.slice(0, width)];
  for (let i = width; i < line.length; i += width - indent.length) out.push(indent + line.slice(i, i + width - indent.length));
  return out;
}

export function verdictLine(run: ScenarioRun): string {
  const v = run.violations[0];
  const verdict = run.safe ? 'SAFE' : `UNSAFE: ${v?.invariant ?? ''}: ${v?.description ?? ''}`;
  const expected = run.expectedSafe ? 'expected safe' : 'expected unsafe (the broken variant)';
  const failed = run.expectations.filter((e) => !e.held).map((e) => e.description);
  const tail = failed.length === 0 ? '' : `; expectations that did not hold: ${failed.join('; ')}`;
  return `${run.ok ? 'ok  ' : 'FAIL'} ${run.side}: ${verdict} (${expected})${tail}`;
}

const brokenRaft = () => raftMutant('figure8-commit-by-counting')!.handlers<BookingState, BookingOp, BookingResult>();

/** The one Multi-Paxos message formatter (lib/sim/multipaxos-subject.ts), for a booking log. */
const describeMultiPaxos = (m: MultiMessage<BookingOp>): string => describeMessage(m as unknown as MultiMessage<KvOp>);

/** The tools a scenario needs from outside the protocol folder. */
export function scenarioTools(): ScenarioTools {
  return { describeMultiPaxos, checkMultiPaxos: checkLog, checkRaft, brokenRaft: brokenRaft() };
}

export function compareRuns(scenario: string): ScenarioRun[] {
  const name = oneOf('--scenario', scenario, SCENARIOS);
  return sidesOf(name).map((side: SideName) => runScenario(name, side, scenarioTools()));
}

export function compareReport(scenario: string): Report {
  const runs = compareRuns(scenario);
  const name = runs[0]!.scenario;
  const lines: string[] = [...wrap(`synod compare --scenario ${name}: ${runs.map((r) => r.side).join(' | ')}`), ...LEGEND];
  const steps = Math.max(...runs.map((r) => r.steps.length));
  for (let i = 0; i < steps; i += 1) {
    lines.push('');
    const first = runs[0]!.steps[i];
    lines.push(...wrap(`step ${i + 1}: ${first?.label ?? ''}`, WIDTH, '  '));
    lines.push(...wrap(`  mapping: ${first?.row ?? ''}`));
    for (const r of runs) {
      const step = r.steps[i];
      if (step === undefined) continue;
      if (step.label !== first?.label) lines.push(...wrap(`  [${r.side}] ${step.label}`));
      lines.push(`  [${r.side}]`);
      for (const cell of step.nodes) lines.push(...wrap(`    ${cell}`));
      lines.push(...wrap(`    committed: ${step.committed.join(' ') || '(nothing)'}`));
      const shown = step.messages.slice(0, MAX_MESSAGES).join(', ');
      const more = step.messages.length > MAX_MESSAGES ? `, ... (+${step.messages.length - MAX_MESSAGES})` : '';
      if (step.messages.length > 0) lines.push(...wrap(`    messages: ${shown}${more}`));
      for (const v of step.violations) lines.push(...wrap(`    VIOLATION ${v.invariant}: ${v.description}`));
    }
  }
  lines.push('');
  for (const r of runs) lines.push(...wrap(verdictLine(r)));
  const ok = runs.every((r) => r.ok);
  lines.push(ok ? 'every protocol behaved as expected' : 'a protocol did not behave as expected');
  return { lines, json: { scenario: name, ok, runs }, ok };
}

export function registerCompare(cli: Command, context: CliContext): void {
  cli
    .command('compare')
    .description('one scenario on Multi-Paxos and on Raft (and on the Figure-8 broken Raft), step for step, with a verdict each')
    .option('--scenario <name>', `one of ${SCENARIOS.join(', ')}`)
    .option('--json', 'print one JSON object')
    .action((options: { scenario?: string; json?: boolean }) => {
      if (options.scenario === undefined) throw new UsageError(`--scenario is required (one of ${SCENARIOS.join(', ')})`);
      context.exitCode = emit(compareReport(options.scenario), options.json === true, context.io);
    });
}
