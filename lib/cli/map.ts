/**
 * `synod map`: the mapping of every invariant into Raft's terms. On a terminal, a table that
 * fits 100 columns (cells wrap; where the code enforces it and which test checks it on a
 * full-width line under each row); `--markdown` prints the Markdown of the README (the same
 * as `npm run readme:map` writes), `--json` the records.
 */
import type { Command } from 'commander';
import type { MappingRecord } from '../raft/mapping';
import { MAPPING, mappingMarkdown } from '../raft/mapping';
import { integer } from './args';
import type { CliContext } from './context';
import { emit, table } from './output';

/** The mapping as a terminal table of `width` columns. */
export function mappingTable(records: readonly MappingRecord[] = MAPPING, width = 100): string[] {
  const rows: string[][] = [];
  for (const r of records) {
    rows.push([`${r.name} (${r.kind})`, r.neutral, r.paxos, r.raft]);
    const enforced = r.enforcedBy.map((c) => `${c.module} ${c.export}`).join('; ');
    const checked = r.checkedBy.map((c) => `${c.spec}: ${c.test}`).join('; ');
    rows.push([`enforced by: ${enforced === '' ? '-' : enforced}\nchecked by: ${checked === '' ? '-' : checked}`]);
  }
  return table(['Invariant', 'Neutral statement', 'Paxos / Multi-Paxos', 'Raft'], rows, {
    width,
    weights: [4, 4, 5, 5],
    legend: ['Each invariant in neutral words, in Paxos words and in Raft words; under it, the code that enforces it and the test that checks it. Markdown: synod map --markdown; data: synod map --json.'],
  });
}

export function registerMap(cli: Command, context: CliContext): void {
  cli
    .command('map')
    .description('the Raft mapping table: each invariant in neutral, Paxos and Raft words, with its code and check')
    .option('--markdown', 'print the Markdown table of the README')
    .option('--width <n>', 'the width of the terminal table', '100')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean; markdown?: boolean; width: string }) => {
      const width = integer('--width', options.width, 60, 1000);
      const lines = options.markdown === true ? [mappingMarkdown()] : mappingTable(MAPPING, width);
      context.exitCode = emit({ lines, json: { records: MAPPING }, ok: true }, options.json === true, context.io);
    });
}
