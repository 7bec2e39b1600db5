/**
 * `synod explain --trace FILE --slot N`: the seed lesson's postmortem questions about one slot,
 * answered from a Multi-Paxos trace (a simulator run, a checker counterexample, or a demo
 * story): who led, what a quorum durably accepted, when each value could be shown to clients,
 * and what each new leader learned in phase 1. The analysis is lib/sim/explain.ts.
 */
import type { Command } from 'commander';
import { harborName } from '../demo/single-decree';
import { explainSlot, explanationLines } from '../sim/explain';
import { integer, UsageError } from './args';
import type { CliContext } from './context';
import type { Report } from './output';
import { emit } from './output';
import { readTrace } from './replay';

export function explainReport(file: string, rawSlot: string): Report {
  const slot = integer('--slot', rawSlot, 0);
  const { header, events } = readTrace(file);
  if (header.protocol !== 'multipaxos') {
    throw new UsageError(`synod explain reads Multi-Paxos traces (a slot of a log); ${file} is a ${header.protocol} trace`);
  }
  const declared = Number(header.options.nodes ?? 0);
  const x = explainSlot(events, slot, Number.isSafeInteger(declared) && declared > 0 ? declared : null);
  const name = header.command === 'demo' ? harborName : (n: number): string => `n${n}`;
  const what = `${header.command} ${header.protocol}${header.seed === null ? '' : ` seed ${header.seed}`}${header.what === undefined ? '' : ` (${header.what})`}`;
  const lines = [`${file}: ${what}, ${events.length} events`, ...explanationLines(x, name)];
  const ok = x.chosen.length <= 1;
  return { lines, json: { ok, file, ...x }, ok, ...(ok ? {} : { reason: `slot ${slot} was chosen as more than one value` }) };
}

export function registerExplain(cli: Command, context: CliContext): void {
  cli
    .command('explain')
    .description('a postmortem of one slot of a Multi-Paxos trace: who led, what a quorum accepted, what clients could be told, what phase 1 found')
    .requiredOption('--trace <file>', 'a trace written by synod sim --trace, synod check --trace or synod demo --trace')
    .requiredOption('--slot <n>', 'the slot to explain (812 in the Harbor Point demo)')
    .option('--json', 'print one JSON object')
    .action((options: { trace: string; slot: string; json?: boolean }) => {
      context.exitCode = emit(explainReport(options.trace, options.slot), options.json === true, context.io);
    });
}
