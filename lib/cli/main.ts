/**
 * `synod`: one command, a subcommand per surface. Each prints readable lines by default and
 * one JSON object with --json; exits 0 when every check held, 1 when one did not, and 2 with a
 * one-line error for bad arguments.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from './args';
import { registerCheck } from './check';
import { registerCompare } from './compare';
import { registerDemo } from './demo';
import { registerMap } from './map';
import { registerReplay } from './replay';
import { registerSim } from './sim';
import type { Output } from './output';
import { EXIT_HELP, processOutput } from './output';
import type { ProgressOptions } from './progress';

/** Every subcommand adds itself here; each sets `exitCode` through the context. */
export interface CliContext {
  readonly io: Output;
  exitCode: number;
  /** Long runs catch SIGINT and stop with a partial summary (only for the real process, not in tests). */
  readonly catchSigint?: boolean;
  /** How progress is shown (tests make it immediate); the defaults of lib/cli/progress.ts otherwise. */
  readonly progress?: ProgressOptions;
}

export function program(context: CliContext): Command {
  const cli = new Command('synod')
    .description('Paxos by the book: single-decree Paxos, Multi-Paxos, and Raft side by side')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => context.io.out(s),
      writeErr: (s) => context.io.err(s),
      outputError: (s, write) => write(s.split('\n')[0] + '\n'),
    })
    .addHelpText('after', `\n${EXIT_HELP}`);
  registerDemo(cli, context);
  registerMap(cli, context);
  registerCheck(cli, context);
  registerSim(cli, context);
  registerCompare(cli, context);
  registerReplay(cli, context);
  return cli;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: readonly string[], io: Output = processOutput, progress?: ProgressOptions): Promise<number> {
  // Progress is for the real process; a caller with its own output (a test) asks for it explicitly.
  const shown = progress ?? (io === processOutput ? undefined : { after: Number.POSITIVE_INFINITY });
  const context: CliContext = { io, exitCode: 0, catchSigint: io === processOutput, ...(shown === undefined ? {} : { progress: shown }) };
  const cli = program(context);
  if (argv.length === 0) {
    io.out(`${cli.helpInformation()}\n${EXIT_HELP}\n`);
    return 0;
  }
  try {
    await cli.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.err(`synod: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
