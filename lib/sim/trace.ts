/**
 * Traces: one JSON object per event, one event per line (JSON lines), for every driver that
 * wants to say what happened: each message delivered, dropped or duplicated, each persist,
 * crash and restart, each partition and heal, each stage a proposal reached.
 *
 * Every event carries the step and the logical tick it happened at. Fields are written in a
 * fixed order, so the same run always serializes to the same bytes: a trace can be diffed
 * against its replay. Messages, records and values are the protocol's own plain data.
 */
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import type { StageName } from './subject';

export type DropReason = 'loss' | 'partition' | 'down';

export type TraceEvent =
  | { readonly step: number; readonly tick: number; readonly type: 'send'; readonly message: unknown }
  | { readonly step: number; readonly tick: number; readonly type: 'deliver'; readonly message: unknown; readonly ignored?: string }
  | { readonly step: number; readonly tick: number; readonly type: 'drop'; readonly reason: DropReason; readonly message: unknown }
  | { readonly step: number; readonly tick: number; readonly type: 'duplicate'; readonly message: unknown }
  | { readonly step: number; readonly tick: number; readonly type: 'timeout'; readonly node: NodeId }
  | {
      readonly step: number;
      readonly tick: number;
      readonly type: 'request';
      readonly client: number;
      readonly node: NodeId;
      readonly command: unknown;
      readonly retry: boolean;
      readonly lost: boolean;
    }
  | { readonly step: number; readonly tick: number; readonly type: 'ack'; readonly node: NodeId; readonly client: number; readonly k: number }
  /** The durable record after the persist (the simulator), or the one change it made durable (a demo trace: its logs are long). */
  | { readonly step: number; readonly tick: number; readonly type: 'persist'; readonly node: NodeId; readonly record: unknown }
  | { readonly step: number; readonly tick: number; readonly type: 'persist'; readonly node: NodeId; readonly change: unknown }
  /**
   * A node's answer to a client that is not a plain acknowledgement: `indeterminate` (its
   * proposer was deposed: the command may or may not be chosen), or, in demo traces, every
   * answer (ok and redirect too).
   */
  | {
      readonly step: number;
      readonly tick: number;
      readonly type: 'reply';
      readonly node: NodeId;
      readonly client: string;
      readonly seq: number;
      readonly status: string;
      readonly result?: unknown;
    }
  | {
      readonly step: number;
      readonly tick: number;
      readonly type: 'crash';
      readonly node: NodeId;
      /** True when the node died inside a step: after its persists, before its sends. */
      readonly afterPersist: boolean;
      readonly lostSends: number;
    }
  | { readonly step: number; readonly tick: number; readonly type: 'restart'; readonly node: NodeId }
  | {
      readonly step: number;
      readonly tick: number;
      readonly type: 'partition';
      readonly id: number;
      readonly kind: 'symmetric' | 'one-way';
      /** Messages from these nodes to `to` are lost (and back, when symmetric). */
      readonly from: readonly NodeId[];
      readonly to: readonly NodeId[];
    }
  | { readonly step: number; readonly tick: number; readonly type: 'heal-partition'; readonly id: number }
  | { readonly step: number; readonly tick: number; readonly type: 'heal' }
  | {
      readonly step: number;
      readonly tick: number;
      readonly type: 'stage';
      readonly node: NodeId;
      readonly stage: StageName;
      readonly slot: number;
      readonly value: unknown;
      readonly ballot?: string;
    }
  | { readonly step: number; readonly tick: number; readonly type: 'violation'; readonly invariant: string; readonly description: string };

export type TraceEventType = TraceEvent['type'];

/** Where a driver puts its events. */
export interface TraceSink {
  record(event: TraceEvent): void;
}

/** Keeps every event, in order. */
export class TraceRecorder implements TraceSink {
  readonly events: TraceEvent[] = [];

  record(event: TraceEvent): void {
    this.events.push(event);
  }

  /** The whole trace as JSON lines, each ending in a newline. */
  jsonLines(): string {
    return this.events.map((e) => `${JSON.stringify(e)}\n`).join('');
  }

  /** The last `n` events. */
  tail(n: number): TraceEvent[] {
    return this.events.slice(Math.max(0, this.events.length - n));
  }
}

function nodeName(node: NodeId): string {
  return `n${node}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One readable line for an event; `describe` renders a message. */
export function formatEvent(e: TraceEvent, describe: (message: unknown) => string): string {
  const at = `step ${e.step} t=${e.tick}`;
  switch (e.type) {
    case 'send':
      return `${at} send      ${describe(e.message)}`;
    case 'deliver':
      return `${at} deliver   ${describe(e.message)}${e.ignored === undefined ? '' : ` (ignored: ${e.ignored})`}`;
    case 'drop':
      return `${at} drop      ${describe(e.message)} (${e.reason})`;
    case 'duplicate':
      return `${at} duplicate ${describe(e.message)}`;
    case 'timeout':
      return `${at} timeout   ${nodeName(e.node)}`;
    case 'request':
      return `${at} request   client ${e.client} -> ${nodeName(e.node)} : ${show(e.command)}${e.retry ? ' (retry)' : ''}${e.lost ? ' (lost: node down)' : ''}`;
    case 'ack':
      return `${at} ack       ${nodeName(e.node)} -> client ${e.client} : command ${e.k} done`;
    case 'persist':
      return `${at} persist   ${nodeName(e.node)} ${JSON.stringify('change' in e ? e.change : e.record)}`;
    case 'reply':
      return `${at} reply     ${nodeName(e.node)} -> ${e.client} #${e.seq} : ${e.status}${e.result === undefined ? '' : ` ${JSON.stringify(e.result)}`}`;
    case 'crash':
      return `${at} crash     ${nodeName(e.node)}${e.afterPersist ? ` after its persist, before its ${e.lostSends} send(s)` : ''}`;
    case 'restart':
      return `${at} restart   ${nodeName(e.node)}`;
    case 'partition':
      return `${at} partition #${e.id} ${e.kind}: ${e.from.map(nodeName).join(',')} ${e.kind === 'symmetric' ? '<-/->' : '-/->'} ${e.to.map(nodeName).join(',')}`;
    case 'heal-partition':
      return `${at} heal      partition #${e.id}`;
    case 'heal':
      return `${at} heal      faults stop: partitions healed, every node up, no loss or duplication`;
    case 'stage':
      return `${at} stage     ${nodeName(e.node)} ${e.stage} slot ${e.slot}${e.ballot === undefined ? '' : ` ballot ${e.ballot}`} = ${show(e.value)}`;
    case 'violation':
      return `${at} VIOLATION ${e.invariant}: ${e.description}`;
    default:
      return assertNever(e, 'trace event');
  }
}

/**
 * The trace file `synod sim --trace`, `synod check --trace` and `synod demo --trace` write, and
 * `synod replay`, `synod trace` and `synod explain` read: JSON lines, the first a header, then one event a line, each with its
 * `step` and `tick` (the checker has no clock: its tick is the step).
 *
 *   {"format":"synod-trace","version":1,"synod":"0.1.0","command":"sim","protocol":"multipaxos",
 *    "seed":7,"options":{...every option of the run...},"reproduce":"synod sim ...","events":412}
 *   {"step":1,"tick":3,"type":"request",...}
 *
 * `options` holds every option of the run as the command line spells it (defaults included),
 * so the header alone re-runs it; `what` says which run of a check the events are (its
 * counterexample, or the witness of a sometimes-property).
 */
export const TRACE_FORMAT = 'synod-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: number;
  /** The synod version (package.json) that wrote it. */
  readonly synod: string;
  readonly command: 'sim' | 'check' | 'demo';
  readonly protocol: string;
  readonly seed: number | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly reproduce: string;
  /** check only: 'counterexample' or 'witness:<property name>'. */
  readonly what?: string;
  readonly events: number;
}

/** The header line, then one event a line (fields in the order the driver wrote them). */
export function traceFileText(header: Omit<TraceHeader, 'format' | 'version' | 'events'>, events: readonly object[]): string {
  const head: TraceHeader = { format: TRACE_FORMAT, version: TRACE_VERSION, ...header, events: events.length };
  return [head, ...events].map((e) => `${JSON.stringify(e)}\n`).join('');
}

/** Reads a trace file; throws an Error with a one-line message naming the bad line. */
export function parseTraceFile(text: string): { readonly header: TraceHeader; readonly events: readonly Record<string, unknown>[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.map((l, i) => {
    try {
      const v = JSON.parse(l) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch {
      throw new Error(`line ${i + 1} is not a JSON object: ${l.slice(0, 80)}`);
    }
  });
  const header = parsed[0];
  if (header === undefined || header.format !== TRACE_FORMAT) throw new Error(`not a synod trace: the first line must be a header with "format":"${TRACE_FORMAT}"`);
  if (header.version !== TRACE_VERSION) throw new Error(`trace format version ${String(header.version)}; this synod reads version ${TRACE_VERSION}`);
  if (header.command !== 'sim' && header.command !== 'check' && header.command !== 'demo') throw new Error(`the header's command must be sim, check or demo, got ${JSON.stringify(header.command)}`);
  if (typeof header.options !== 'object' || header.options === null) throw new Error('the header has no options');
  const events = parsed.slice(1);
  events.forEach((e, i) => {
    if (typeof e.type !== 'string' || typeof e.step !== 'number' || typeof e.tick !== 'number') throw new Error(`line ${i + 2} is not an event with type, step and tick`);
  });
  return { header: header as unknown as TraceHeader, events };
}

/** The first place two event lists differ (by their JSON), or null when they are identical. */
export function firstDifference(
  expected: readonly object[],
  actual: readonly object[],
): { readonly index: number; readonly expected: object | null; readonly actual: object | null } | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i += 1) {
    const a = expected[i];
    const b = actual[i];
    if (a === undefined || b === undefined || JSON.stringify(a) !== JSON.stringify(b)) return { index: i, expected: a ?? null, actual: b ?? null };
  }
  return null;
}
