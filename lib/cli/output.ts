/**
 * How every subcommand reports: readable lines by default, one JSON object with --json; exit
 * 0 when every check held, 1 when one did not.
 */
export interface Report {
  /** Readable lines, printed without --json. */
  readonly lines: readonly string[];
  /** The one JSON object printed with --json. */
  readonly json: unknown;
  /** True when every check held. */
  readonly ok: boolean;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function emit(report: Report, json: boolean, io: Output): number {
  if (json) io.out(`${JSON.stringify(report.json)}\n`);
  else io.out(report.lines.map((l) => `${l}\n`).join(''));
  return report.ok ? 0 : 1;
}
