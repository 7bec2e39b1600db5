/** What every subcommand gets from `synod` (lib/cli/main.ts) and how it adds itself. */
import type { Command } from 'commander';
import type { Output } from './output';
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

/** Adds one subcommand (its options, help and action) to the program. */
export type Register = (cli: Command, context: CliContext) => void;
