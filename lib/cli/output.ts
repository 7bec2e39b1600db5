/**
 * How every subcommand reports: readable lines by default, one JSON object with --json, and
 * one exit code (EXIT below, also printed by `synod --help`). Every JSON report has `ok`, and
 * `reason` when not ok. Also the terminal helpers every table needs: wrapping text to a
 * width and drawing a table whose cells wrap, with an optional legend.
 */
export interface Report {
  /** Readable lines, printed without --json. */
  readonly lines: readonly string[];
  /** The one JSON object printed with --json. */
  readonly json: unknown;
  /** True when every check held. */
  readonly ok: boolean;
  /** The exit code when it is not simply 0 (ok) or 1 (a check failed): EXIT.incomplete, EXIT.interrupted. */
  readonly exit?: number;
  /** Why it is not ok, in one line (printed in --json as `reason`). */
  readonly reason?: string;
}

/** The exit codes of every subcommand. */
export const EXIT = {
  /** Every check held (and a check was exhaustive, or bounded on purpose with --bounded). */
  ok: 0,
  /** A check failed: an invariant, a sometimes-property, a history, a replay that differs. */
  failed: 1,
  /** A bad argument or an option the run cannot honor: one line on stderr. */
  usage: 2,
  /** Nothing failed, but a budget (--max-states) cut the check short: not exhaustive. */
  incomplete: 3,
  /** Stopped by SIGINT (Ctrl-C): the partial summary was printed, with interrupted: true. */
  interrupted: 130,
} as const;

/** The exit codes as `synod --help` prints them. */
export const EXIT_HELP = [
  'Exit codes:',
  '  0    every check held (a model check: exhaustively, or bounded on purpose with --bounded)',
  '  1    a check failed (an invariant, a sometimes-property, a history, a replay that differs)',
  '  2    bad argument, or an option the run cannot honor (one line on stderr)',
  '  3    a model check cut short by its budget (--max-states) with no failure: not exhaustive',
  '  130  interrupted (Ctrl-C): the partial summary is printed, with interrupted: true',
].join('\n');

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Prints the report; returns its exit code. The JSON object always says `ok` and, when not
 * ok, `reason` (taken from the report when the object lacks them).
 */
export function emit(report: Report, json: boolean, io: Output): number {
  if (json) {
    const j = report.json;
    const object = typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : { result: j };
    const body = {
      ...('ok' in object ? {} : { ok: report.ok }),
      ...(report.ok || 'reason' in object ? {} : { reason: report.reason ?? 'a check failed' }),
      ...object,
    };
    io.out(`${JSON.stringify(body)}\n`);
  } else {
    io.out(report.lines.map((l) => `${l}\n`).join(''));
  }
  return report.exit ?? (report.ok ? EXIT.ok : EXIT.failed);
}

/**
 * Splits `text` into lines of at most `width` characters, breaking at spaces (and after
 * `/`, `,` or `-` inside long words); a word longer than the width is cut. Existing newlines
 * are kept.
 */
export function wrap(text: string, width: number): string[] {
  if (width < 1) throw new Error('wrap: width must be at least 1');
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    const words = paragraph.split(/ +/).filter((w) => w !== '');
    if (words.length === 0) {
      out.push('');
      continue;
    }
    for (let word of words) {
      while (word.length > width) {
        const room = line === '' ? width : width - line.length - 1;
        const cut = Math.max(...['/', ',', '-', '.'].map((c) => word.lastIndexOf(c, room - 1) + 1));
        if (room <= 0 || (cut <= 0 && line !== '')) {
          out.push(line);
          line = '';
          continue;
        }
        const at = cut > 0 ? cut : room;
        out.push(line === '' ? word.slice(0, at) : `${line} ${word.slice(0, at)}`);
        line = '';
        word = word.slice(at);
      }
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

export interface TableOptions {
  /** The whole table's width, borders included (default 100). */
  readonly width?: number;
  /** Each column's share of the room left after the borders (default: equal shares). */
  readonly weights?: readonly number[];
  /** Lines printed under the table, wrapped to its width. */
  readonly legend?: readonly string[];
}

/**
 * A table of `header` and `rows` whose cells wrap to fit `width` columns:
 *
 *   | Neutral          | Paxos            |
 *   |------------------|------------------|
 *   | text that wraps  | ...              |
 *   | to the next line |                  |
 *
 * Every line is at most `width` characters; rows are separated by a rule. A row of one cell
 * spans the whole width (a note under the row before it).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const width = options.width ?? 100;
  const n = header.length;
  const room = width - (3 * n + 1);
  if (room < n) throw new Error(`table: ${n} columns do not fit in ${width} characters`);
  const weights = options.weights ?? header.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => Math.max(1, Math.floor((room * w) / total)));
  widths[n - 1]! += room - widths.reduce((a, b) => a + b, 0);
  const render = (cells: readonly string[]): string[] => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let r = 0; r < height; r += 1) lines.push(`| ${wrapped.map((w, i) => (w[r] ?? '').padEnd(widths[i]!)).join(' | ')} |`);
    return lines;
  };
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const full = width - 4;
  const out = [...render(header), rule];
  rows.forEach((row, i) => {
    if (row.length === 1 && n > 1) out.push(...wrap(row[0]!, full).map((l) => `| ${l.padEnd(full)} |`));
    else out.push(...render(row));
    if (i < rows.length - 1) out.push(rule);
  });
  for (const l of options.legend ?? []) out.push(...wrap(l, width));
  return out;
}
