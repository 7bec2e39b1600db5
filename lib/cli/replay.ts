/**
 * `synod replay FILE` and `synod trace FILE`: reading back the trace files `synod sim --trace`
 * and `synod check --trace` / `--witness-trace` write (format: lib/sim/trace.ts).
 *
 * replay re-runs the configuration in the file's header (a sim run from its seed and every
 * option; a check from its flags) and compares the events that come out with the file's, one
 * by one: "identical, N events" (exit 0), or the first event that differs (exit 1). So a
 * trace attached to a bug report is a regression test anyone can run.
 *
 * trace prints the events as readable lines, each message in the protocol's own words.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { Addressed } from '../core/protocol';
import { subjectEntry } from '../sim/registry';
import type { AnySubject } from '../sim/subject';
import type { TraceEvent, TraceHeader } from '../sim/trace';
import { firstDifference, formatEvent, parseTraceFile, TraceRecorder } from '../sim/trace';
import { integer, UsageError } from './args';
import type { CheckFlags } from './check';
import { checkEvents, checkRun } from './check';
import type { CliContext } from './context';
import type { Report } from './output';
import { emit } from './output';
import { cliOptions, seedReport, simPlan } from './sim';
import { demoDescriber, demoStory, demoTrace } from './demo-trace';
import { harborName } from '../demo/single-decree';
import { mermaidSequence } from '../sim/mermaid';

export function readTrace(file: string): ReturnType<typeof parseTraceFile> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseTraceFile(text);
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The check flags a header holds: strings and booleans only. */
function checkFlags(header: TraceHeader): CheckFlags {
  for (const [k, v] of Object.entries(header.options)) {
    if (typeof v !== 'string' && typeof v !== 'boolean') throw new UsageError(`the trace header's option ${k} must be a string or a boolean, got ${JSON.stringify(v)}`);
  }
  return header.options as CheckFlags;
}

/** The events the header's configuration produces now. */
export async function rerun(header: TraceHeader): Promise<{ events: readonly object[]; subject: AnySubject | null }> {
  if (header.command === 'demo') {
    const story = demoStory(String(header.options.story ?? 'log'));
    return { events: demoTrace(story, typeof header.seed === 'number' ? header.seed : 1).events, subject: null };
  }
  if (header.command === 'sim') {
    if (typeof header.seed !== 'number') throw new UsageError('a sim trace header needs a seed');
    const plan = simPlan({ ...cliOptions(header.options), seed: String(header.seed) });
    const recorder = new TraceRecorder();
    await seedReport(plan, header.seed, recorder);
    return { events: recorder.events, subject: plan.subject };
  }
  const { report } = checkRun(checkFlags(header));
  return { events: checkEvents(report, header.what ?? 'counterexample'), subject: null };
}

export async function replayReport(file: string): Promise<Report> {
  const { header, events } = readTrace(file);
  const again = (await rerun(header)).events;
  const d = firstDifference(events, again);
  const what = `${header.command} ${header.protocol}${header.seed === null ? '' : ` seed ${header.seed}`}${header.what === undefined ? '' : ` (${header.what})`}`;
  if (d === null) {
    // The replay is a regression test of determinism: a run that ends in a violation replays identically too, and says so.
    const v = events.find((e) => e.type === 'violation');
    const ending = v === undefined ? '' : ` (the run ends in a ${String(v.invariant)} violation at step ${String(v.step)}, as recorded)`;
    return { lines: [`${file}: ${what}: identical, ${events.length} events${ending}`], json: { ok: true, file, identical: true, events: events.length, reproduce: header.reproduce }, ok: true };
  }
  const reason = `event ${d.index + 1} (line ${d.index + 2}) differs`;
  const show = (e: object | null): string => (e === null ? '(no event: the run ended)' : JSON.stringify(e));
  return {
    lines: [`${file}: ${what}: DIFFERS at ${reason.replace(' differs', '')}`, `  in the file: ${show(d.expected)}`, `  the replay:  ${show(d.actual)}`, `  (the file has ${events.length} events, the replay ${again.length})`],
    json: { ok: false, reason, file, identical: false, events: events.length, replayed: again.length, index: d.index, expected: d.expected, actual: d.actual, reproduce: header.reproduce },
    ok: false,
    reason,
  };
}

/** The subject whose `describe` renders the file's messages. */
export function describer(header: TraceHeader): (m: unknown) => string {
  if (header.command === 'demo') return demoDescriber(header.protocol);
  let subject: AnySubject | null = null;
  if (header.command === 'sim') subject = rerunSubject(header);
  else {
    const entry = subjectEntry(header.protocol);
    const o = header.options;
    const nodes = Number(o.nodes ?? o.acceptors ?? 3);
    try {
      subject = entry?.build({ nodes: Math.max(entry.minNodes, Number.isSafeInteger(nodes) ? nodes : 3) }) ?? null;
    } catch {
      subject = null;
    }
  }
  return (m) => {
    if (subject !== null) {
      try {
        return subject.describe(m as Addressed);
      } catch {
        // A message the subject cannot read is printed as data.
      }
    }
    return JSON.stringify(m);
  };
}

function rerunSubject(header: TraceHeader): AnySubject {
  return simPlan({ ...cliOptions(header.options), seed: String(header.seed ?? 1) }).subject;
}

export function traceReport(file: string): Report {
  const { header, events } = readTrace(file);
  const describe = describer(header);
  const lines = [
    `${header.command} ${header.protocol}${header.seed === null ? '' : ` seed ${header.seed}`}${header.what === undefined ? '' : ` (${header.what})`}, written by synod ${header.synod}: ${events.length} events`,
    `reproduce: ${header.reproduce}`,
    ...events.map((e) => {
      if (e.type === 'request' && e.client === undefined) return `step ${String(e.step)} t=${String(e.tick)} request   -> n${String(e.node)} : ${typeof e.command === 'string' ? e.command : JSON.stringify(e.command)}`;
      if (e.type === 'crash' && e.afterPersist === undefined) return `step ${String(e.step)} t=${String(e.tick)} crash     n${String(e.node)}`;
      return formatEvent(e as unknown as TraceEvent, describe);
    }),
  ];
  return { lines, json: { ok: true, header, lines: lines.slice(2) }, ok: true };
}

export interface MermaidFlags {
  readonly slot?: string;
  readonly from?: string;
  readonly to?: string;
}

/** `synod trace FILE --mermaid`: the trace as a Mermaid sequence diagram. */
export function mermaidReport(file: string, flags: MermaidFlags): Report {
  const { header, events } = readTrace(file);
  const declared = Number(header.options.nodes ?? header.options.acceptors ?? 3);
  const count = Number.isSafeInteger(declared) && declared > 0 ? declared : 3;
  const nodes = Array.from({ length: count }, (_, i) => i + 1);
  const name = header.command === 'demo' ? harborName : (n: number): string => `n${n}`;
  const slot = flags.slot === undefined ? undefined : integer('--slot', flags.slot, 0);
  const from = flags.from === undefined ? undefined : integer('--from', flags.from, 0);
  const to = flags.to === undefined ? undefined : integer('--to', flags.to, 0);
  const lines = mermaidSequence(events, nodes, {
    describe: describer(header),
    name,
    ...(slot === undefined ? {} : { slot }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  });
  return { lines, json: { ok: true, file, mermaid: `${lines.join('\n')}\n` }, ok: true };
}

export function registerReplay(cli: Command, context: CliContext): void {
  cli
    .command('replay')
    .description('re-run the configuration in a trace file\'s header and check that the same events come out (exit 1 at the first difference)')
    .argument('<file>', 'a trace written by synod sim --trace or synod check --trace / --witness-trace')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { json?: boolean }) => {
      context.exitCode = emit(await replayReport(file), options.json === true, context.io);
    });
  cli
    .command('trace')
    .description('print a trace file as readable lines, one event each, or as a Mermaid sequence diagram')
    .argument('<file>', 'a trace written by synod sim --trace, synod check --trace / --witness-trace or synod demo --trace')
    .option('--mermaid', 'print a Mermaid sequence diagram (one arrow per message delivered) instead')
    .option('--slot <n>', 'with --mermaid: only what concerns this slot (and every crash and restart)')
    .option('--from <step>', 'with --mermaid: from this step on')
    .option('--to <step>', 'with --mermaid: up to this step')
    .option('--json', 'print one JSON object')
    .action((file: string, options: { json?: boolean; mermaid?: boolean } & MermaidFlags) => {
      context.exitCode = emit(options.mermaid === true ? mermaidReport(file, options) : traceReport(file), options.json === true, context.io);
    });
}
