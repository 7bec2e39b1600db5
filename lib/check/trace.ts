/**
 * Counterexample traces as data: one JSON event a line (DESIGN.md: "Traces are JSON lines, one
 * event each"), and a replay of such a trace through an independent driver.
 *
 * Format (one object per line):
 *   {"type":"request","node":1,"command":"A"}       a client hands node 1 the value A
 *   {"type":"deliver","message":{...}}              a message (as lib/paxos/messages.ts) arrives
 *   {"type":"timeout","node":2}                      node 2's timer fires
 *   {"type":"crash","node":3}                        node 3 loses its volatile state ...
 *   {"type":"restart","node":3}                      ... and restarts from what it persisted
 * A delivered message is one a previous event sent; in the set network it stays deliverable.
 * The replay below drives lib/harness/cluster.ts (the scripted cluster the tests use) with
 * these events and re-checks the invariants, so a counterexample is confirmed by a driver
 * that shares no code with the checker's search. The event names and fields are those of the
 * simulator's trace (lib/sim/trace.ts: request, deliver, timeout, crash, restart, with the
 * protocol's own messages), without its step and tick; the simulator itself replays a run
 * from its seed rather than from an event list, so `replay` here is the event-list replayer.
 */
import type { Addressed, Protocol } from '../core/protocol';
import { Cluster } from '../harness/cluster';
import type { NodeId } from '../core/types';
import { assertNever } from '../core/types';
import { canonicalKey } from './canonical';
import type { TraceStep } from './model-checker';
import { TRACE_FORMAT } from '../sim/trace';

export type TraceEvent<M, C> =
  | { readonly type: 'request'; readonly node: NodeId; readonly command: C }
  | { readonly type: 'deliver'; readonly message: M }
  | { readonly type: 'timeout'; readonly node: NodeId }
  | { readonly type: 'crash'; readonly node: NodeId }
  | { readonly type: 'restart'; readonly node: NodeId };

/** The checker's trace as replayable events (a crash becomes crash, then restart). */
export function traceEvents<M, C>(trace: readonly TraceStep<M, C>[]): TraceEvent<M, C>[] {
  const events: TraceEvent<M, C>[] = [];
  for (const step of trace) {
    const a = step.action;
    switch (a.type) {
      case 'deliver':
      case 'request':
      case 'timeout':
        events.push(a);
        break;
      case 'crash':
        events.push({ type: 'crash', node: a.node }, { type: 'restart', node: a.node });
        break;
      default:
        assertNever(a, 'action');
    }
  }
  return events;
}

export function toJsonLines<M, C>(events: readonly TraceEvent<M, C>[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/**
 * The events of a trace file (`synod check --trace`: a header line, then events with `step`
 * and `tick`, lib/sim/trace.ts) or of bare event lines, as replayable events (the header
 * skipped, step and tick dropped).
 */
export function fromJsonLines<M, C>(text: string): TraceEvent<M, C>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const first = lines[0] === undefined ? null : (JSON.parse(lines[0]) as { format?: unknown });
  const offset = first !== null && first.format === TRACE_FORMAT ? 1 : 0;
  return lines.slice(offset).map((l, i) => {
    const parsed = JSON.parse(l) as TraceEvent<M, C> & { step?: number; tick?: number };
    if (typeof parsed !== 'object' || parsed === null || !['request', 'deliver', 'timeout', 'crash', 'restart'].includes(parsed.type)) {
      throw new Error(`synod: trace line ${i + 1 + offset} is not an event: ${l}`);
    }
    const { step: _step, tick: _tick, ...event } = parsed;
    return event as TraceEvent<M, C>;
  });
}

/**
 * Plays `events` on a fresh scripted cluster of `protocol`. A delivered message must have been
 * sent earlier in the replay (matched by its canonical form); it is kept in flight, as in the
 * set network. Returns the cluster for the caller to inspect.
 */
export function replay<S, M extends Addressed, E, D, C>(protocol: Protocol<S, M, E, D, C>, events: readonly TraceEvent<M, C>[]): Cluster<S, M, E, D, C> {
  const cluster = new Cluster(protocol);
  for (const e of events) {
    switch (e.type) {
      case 'request':
        cluster.request(e.node, e.command);
        break;
      case 'deliver': {
        const want = canonicalKey(e.message);
        const same = (m: M): boolean => canonicalKey(m) === want;
        const sent = cluster.sent.find(same);
        if (sent === undefined) throw new Error(`synod: replay delivers a message never sent: ${want}`);
        if (!cluster.inFlight.some(same)) cluster.inFlight.push(sent);
        cluster.deliver(same, { keep: true });
        break;
      }
      case 'timeout':
        cluster.timeout(e.node);
        break;
      case 'crash':
        cluster.crash(e.node);
        break;
      case 'restart':
        cluster.restart(e.node);
        break;
      default:
        assertNever(e, 'trace event');
    }
  }
  return cluster;
}
