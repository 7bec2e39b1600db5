/** `synod map`: the mapping of every invariant into Raft's terms, as Markdown or JSON. */
import type { Command } from 'commander';
import { MAPPING, mappingMarkdown } from '../raft/mapping';
import type { CliContext } from './main';
import { emit } from './output';

export function registerMap(cli: Command, context: CliContext): void {
  cli
    .command('map')
    .description('the Raft mapping table: each invariant in neutral, Paxos and Raft words, with its code and check')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => {
      const report = { lines: [mappingMarkdown()], json: { records: MAPPING }, ok: true };
      context.exitCode = emit(report, options.json === true, context.io);
    });
}
