/** `synod demo`: the Harbor Point story (slot 812, bookings #8841 and #8849). */
import type { Command } from 'commander';
import { harborPointLog, staleLeaderFencing } from '../demo/multipaxos';
import { harborPointReads } from '../demo/reads';
import { harborPoint } from '../demo/single-decree';
import { integer } from './args';

import { DEMO_STORIES, demoStory } from './demo-stories';

import type { CliContext } from './context';
import type { Report } from './output';
import { emit } from './output';

export function demoReport(seed: number): Report {
  const result = harborPoint(seed);
  const lines: string[] = [`Harbor Point booking authority: slot 812, acceptors harbor-1..3, seed ${seed}`];
  result.stories.forEach((story, i) => {
    lines.push('', `== ${i + 1}. ${story.title}`, ...story.lines);
    const stages = Object.entries(story.stages).map(([value, reached]) => `${value}: ${reached.length === 0 ? 'not proposed' : reached.join(' -> ')}`);
    lines.push(`stages: ${stages.join(' | ')}`);
    lines.push(`verdict: ${story.held ? 'HELD' : 'FAILED'} - ${story.verdict}`);
  });
  const log = harborPointLog();
  lines.push('', '== 4. At log level (Multi-Paxos): the same crash, a client retry, and the rival booking', ...log.lines);
  const held = log.held ? 'HELD - slot 812 = #8841 on every replica; S12 booked once' : `FAILED - ${log.violations.map((v) => v.description).join('; ')}`;
  lines.push(`verdict: ${held}`);
  const fencing = staleLeaderFencing();
  lines.push('', '== 5. Stale-leader fencing (Multi-Paxos): the old leader of ballot 41 comes back', ...fencing.lines);
  lines.push(`verdict: ${fencing.held ? 'HELD - the stale leader was fenced off: no accept of ballot 41 for slot 812 counted' : `FAILED - ${fencing.violations.map((v) => v.description).join('; ') || 'the fencing did not happen as told'}`}`);
  const reads = harborPointReads();
  lines.push('', '== 6. Reads (Multi-Paxos): the old leader of ballot 41, cut off in a minority, is asked who holds S12');
  for (const r of reads.runs) lines.push(`-- ${r.run.title}:`, ...r.lines.map((l) => `   ${l}`));
  lines.push(`verdict: ${reads.held ? 'HELD' : 'FAILED'} - ${reads.verdict}`);
  const ok = result.ok && log.held && fencing.held && reads.held;
  lines.push('', ok ? 'every story held: slot 812 was never decided both ways' : 'a story FAILED');
  const json = {
    seed,
    ok,
    log: { held: log.held, slot812: log.slot812, holder: log.holder, counters: log.counters, violations: log.violations, lines: log.lines },
    fencing: { held: fencing.held, refused: fencing.refused, toldTerminalA: fencing.toldTerminalA, slot812: fencing.slot812, holder: fencing.holder, counters: fencing.counters, violations: fencing.violations, lines: fencing.lines },
    reads: { held: reads.held, verdict: reads.verdict, runs: reads.runs.map((r) => ({ title: r.run.title, mode: r.run.mode, mutant: r.run.mutant ?? null, told: r.told, answer: r.answer ?? null, stale: r.stale, held: r.held, violations: r.violations, lines: r.lines })) },
    stories: result.stories.map((s) => ({ title: s.title, chosen: s.chosen, stages: s.stages, held: s.held, verdict: s.verdict, violations: s.violations, lines: s.lines })),
  };
  return { lines, json, ok, ...(ok ? {} : { reason: 'a story failed' }) };
}

export function registerDemo(cli: Command, context: CliContext): void {
  cli
    .command('demo')
    .description('the Harbor Point story: the slot-812 race, two crash cases, and the crash at log level, checked step by step')
    .option('--seed <n>', 'the interleaving (the same seed prints the same story)', '1')
    .option('--trace <file>', 'also write one story as a trace file, for synod trace, synod trace --mermaid, synod explain and synod replay')
    .option('--story <name>', `the story --trace writes: ${DEMO_STORIES.join(', ')}`, 'log')
    .option('--json', 'print one JSON object')
    .action(async (options: { seed: string; json?: boolean; trace?: string; story: string }) => {
      const seed = integer('--seed', options.seed, 0, 0xffff_ffff);
      const story = demoStory(options.story);
      const report = demoReport(seed);
      if (options.trace === undefined) {
        context.exitCode = emit(report, options.json === true, context.io);
        return;
      }
      const { writeDemoTrace } = await import('./demo-trace');
      const written = writeDemoTrace(options.trace, story, seed);
      const lines = [...report.lines, '', `wrote story '${story}' (${written.protocol}) to ${options.trace}: ${written.events} events`];
      context.exitCode = emit({ ...report, lines, json: { ...(report.json as object), trace: { file: options.trace, story, ...written } } }, options.json === true, context.io);
    });
}
