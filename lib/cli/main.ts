/**
 * `synod`: one command, a subcommand per surface. Each prints readable lines by default and
 * one JSON object with --json; exits 0 when every check held, 1 when one did not, and 2 with a
 * one-line error for bad arguments.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from './args';
import type { Output } from './output';
import { EXIT_HELP, processOutput } from './output';
import { synodVersion } from './version';
import type { CliContext, Register } from './context';
import type { ProgressOptions } from './progress';

/**
 * Every subcommand, one line each. A subcommand's module (and with it the simulator, the
 * checker or the demo) is loaded only when that subcommand runs, so `synod map` does not pay
 * for the model checker. Help and unknown names load them all.
 */
const SUBCOMMANDS: readonly { readonly name: string; readonly load: () => Promise<Register> }[] = [
  { name: 'demo', load: async () => (await import('./demo')).registerDemo },
  { name: 'map', load: async () => (await import('./map')).registerMap },
  { name: 'check', load: async () => (await import('./check')).registerCheck },
  { name: 'sim', load: async () => (await import('./sim')).registerSim },
  { name: 'compare', load: async () => (await import('./compare')).registerCompare },
  { name: 'replay', load: async () => (await import('./replay')).registerReplay },
  { name: 'trace', load: async () => (await import('./replay')).registerReplay },
  { name: 'node', load: async () => (await import('./node')).registerNode },
  { name: 'cluster', load: async () => (await import('./cluster')).registerCluster },
  { name: 'client', load: async () => (await import('./client')).registerClient },
  { name: 'status', load: async () => (await import('./status')).registerStatus },
];

/** The subcommands an argument list needs: none for the version, the one it names, or all of them. */
export async function loadSubcommands(argv: readonly string[]): Promise<Register[]> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  const named = SUBCOMMANDS.find((s) => s.name === argv[0]);
  const loaded = await Promise.all((named === undefined ? SUBCOMMANDS : [named]).map((s) => s.load()));
  return [...new Set(loaded)];
}

export function program(context: CliContext, subcommands: readonly Register[]): Command {
  const cli = new Command('synod')
    .description('Paxos by the book: single-decree Paxos, Multi-Paxos, and Raft side by side')
    .version(synodVersion(), '-V, --version', 'print the version of synod')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => context.io.out(s),
      writeErr: (s) => context.io.err(s),
      outputError: (s, write) => write(s.split('\n')[0] + '\n'),
    })
    .addHelpText('after', `\n${EXIT_HELP}`);
  for (const register of subcommands) register(cli, context);
  return cli;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: readonly string[], io: Output = processOutput, progress?: ProgressOptions): Promise<number> {
  // Progress is for the real process; a caller with its own output (a test) asks for it explicitly.
  const shown = progress ?? (io === processOutput ? undefined : { after: Number.POSITIVE_INFINITY });
  const context: CliContext = { io, exitCode: 0, catchSigint: io === processOutput, ...(shown === undefined ? {} : { progress: shown }) };
  const cli = program(context, await loadSubcommands(argv));
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
