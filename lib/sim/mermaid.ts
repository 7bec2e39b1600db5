/**
 * A trace as a Mermaid sequence diagram (`synod trace FILE --mermaid`): one arrow per message
 * delivered (a cross for one lost), a note for each crash, restart, client request and answer,
 * and each value learned, in the trace's order. GitHub renders the text in a Markdown file.
 *
 * Messages are labelled by the protocol's own describer, which prints `A -> B : words`: the
 * arrow goes from A to B and carries the words.
 */
import { showEntry, showOp } from './explain';

type Ev = Readonly<Record<string, unknown>>;

export interface MermaidOptions {
  /** Renders a message as `A -> B : words`. */
  readonly describe: (message: unknown) => string;
  /** A node's name (`n1`, `harbor-1`). */
  readonly name: (node: number) => string;
  /** Only events with from <= step <= to. */
  readonly from?: number;
  readonly to?: number;
  /** Only what concerns this slot (messages about it, its values' clients, its stages, and every crash and restart). */
  readonly slot?: number;
}

const isObject = (v: unknown): v is Ev => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Mermaid reads `#` and `;` in a message as markup: spell them as entity codes. */
function text(s: string): string {
  return s.replace(/[#;]/g, (c) => (c === '#' ? '#35;' : '#59;'));
}

function concernsSlot(m: Ev, slot: number): boolean {
  switch (m.type) {
    case 'accept':
    case 'accepted':
    case 'rejected':
      return m.slot === slot;
    case 'prepare':
    case 'promise':
    case 'catchup':
      return typeof m.slot !== 'number' || m.slot <= slot;
    case 'learn':
      return typeof m.slot === 'number' && Array.isArray(m.values) && m.slot <= slot && slot < m.slot + m.values.length;
    case 'heartbeat':
      return false;
    default:
      // Single-decree messages (one slot per run) and other protocols' messages.
      return true;
  }
}

function clientsOfSlot(events: readonly Ev[], slot: number): Set<string> {
  const out = new Set<string>();
  for (const e of events) {
    const m = isObject(e.message) ? e.message : null;
    if (e.type !== 'send' || m === null || m.type !== 'accept' || m.slot !== slot || !isObject(m.value)) continue;
    const commands = Array.isArray(m.value.commands) ? m.value.commands : [];
    for (const c of commands) if (isObject(c)) out.add(`${String(c.client)}|${String(c.seq)}`);
  }
  return out;
}

/** The diagram's lines: `sequenceDiagram`, the participants, then one line per event kept. */
export function mermaidSequence(events: readonly Ev[], nodes: readonly number[], options: MermaidOptions): string[] {
  const id = (node: number): string => `n${node}`;
  const lines = ['sequenceDiagram', ...nodes.map((n) => `  participant ${id(n)} as ${options.name(n)}`)];
  const clients = options.slot === undefined ? null : clientsOfSlot(events, options.slot);
  const names = new Map(nodes.map((n) => [options.name(n), n]));
  const arrow = (m: unknown): { from: string; to: string; words: string } | null => {
    const line = options.describe(m);
    const parsed = /^(\S+) -> (\S+) : (.*)$/.exec(line);
    if (parsed === null) return null;
    const from = names.get(parsed[1]!);
    const to = names.get(parsed[2]!);
    if (from === undefined || to === undefined) return null;
    return { from: id(from), to: id(to), words: parsed[3]! };
  };
  for (const e of events) {
    const step = Number(e.step);
    if ((options.from !== undefined && step < options.from) || (options.to !== undefined && step > options.to)) continue;
    const m = isObject(e.message) ? e.message : null;
    const node = typeof e.node === 'number' ? id(e.node) : null;
    switch (e.type) {
      case 'deliver':
      case 'drop': {
        if (m === null || (options.slot !== undefined && !concernsSlot(m, options.slot))) break;
        const a = arrow(m);
        if (a === null) break;
        lines.push(e.type === 'deliver' ? `  ${a.from}->>${a.to}: ${text(a.words)}` : `  ${a.from}-x${a.to}: ${text(`${a.words} (lost)`)}`);
        break;
      }
      case 'crash':
        if (node !== null) lines.push(`  Note over ${node}: CRASHED (keeps what it persisted)`);
        break;
      case 'restart':
        if (node !== null) lines.push(`  Note over ${node}: restarted`);
        break;
      case 'request': {
        if (node === null) break;
        const c = isObject(e.command) ? e.command : null;
        const who = c === null ? 'a client' : String(c.client);
        if (clients !== null && (c === null || !clients.has(`${String(c.client)}|${String(c.seq)}`))) break;
        const what = c === null ? String(e.command) : showOp(c.op);
        lines.push(`  Note over ${node}: ${text(`${who} asks: ${what}`)}`);
        break;
      }
      case 'reply':
        if (node === null || (clients !== null && !clients.has(`${String(e.client)}|${String(e.seq)}`))) break;
        lines.push(`  Note over ${node}: ${text(`tells ${String(e.client)} #${String(e.seq)}: ${String(e.status)}`)}`);
        break;
      case 'stage':
        if (node === null || e.stage !== 'chosen' || (options.slot !== undefined && e.slot !== options.slot)) break;
        lines.push(`  Note over ${node}: ${text(`learned slot ${String(e.slot)} = ${typeof e.value === 'string' ? e.value : showEntry(e.value)}`)}`);
        break;
      default:
        break;
    }
  }
  return lines;
}
