/**
 * A scripted cluster's events (lib/harness) as a trace (./trace.ts), so that what the Harbor
 * Point demo does can be read with the same tools as a simulator run: `synod trace`,
 * `synod trace --mermaid`, `synod explain`.
 *
 * The scripted cluster has no clock: each of its steps (a node's step, a crash, a restart) is
 * one step of the trace, and the tick is the step. A persist is written as the one change it
 * makes durable (`change`), not as the whole record (the demo's logs hold 812 slots).
 */
import type { Addressed } from '../core/protocol';
import type { ClusterEvent } from '../harness/cluster';
import type { NodeId } from '../core/types';
import type { StageEvent } from './subject';
import type { TraceEvent } from './trace';

export interface ClusterTraceOptions<E> {
  /** The change a persist effect makes durable, or null for an effect that persists nothing. */
  change(effect: E): unknown;
  /** The stage an effect reports, if any. */
  stage(node: NodeId, effect: E): StageEvent | null;
  /** A client answer an effect carries, if any. */
  reply(node: NodeId, effect: E): { readonly client: string; readonly seq: number; readonly status: string; readonly result?: unknown } | null;
  /** The client (a name) a command comes from. */
  client(command: unknown): string;
}

export function clusterTrace<M extends Addressed, E, C>(
  events: readonly ClusterEvent<M, E, C>[],
  options: ClusterTraceOptions<E>,
): TraceEvent[] {
  const out: TraceEvent[] = [];
  const clients = new Map<string, number>();
  let step = 1;
  for (const e of events) {
    const at = { step, tick: step };
    switch (e.type) {
      case 'request': {
        const name = options.client(e.command);
        if (!clients.has(name)) clients.set(name, clients.size);
        out.push({ ...at, type: 'request', client: clients.get(name)!, node: e.node, command: e.command, retry: false, lost: false });
        break;
      }
      case 'send':
        out.push({ ...at, type: 'send', message: e.message });
        break;
      case 'deliver':
        out.push(e.ignored === undefined ? { ...at, type: 'deliver', message: e.message } : { ...at, type: 'deliver', message: e.message, ignored: e.ignored });
        break;
      case 'drop':
        out.push({ ...at, type: 'drop', reason: 'loss', message: e.message });
        break;
      case 'effect': {
        const change = options.change(e.effect);
        if (change !== null && change !== undefined) out.push({ ...at, type: 'persist', node: e.node, change });
        const stage = options.stage(e.node, e.effect);
        if (stage !== null) {
          out.push(stage.ballot === undefined
            ? { ...at, type: 'stage', node: e.node, stage: stage.stage, slot: stage.slot, value: stage.value }
            : { ...at, type: 'stage', node: e.node, stage: stage.stage, slot: stage.slot, value: stage.value, ballot: stage.ballot });
        }
        const reply = options.reply(e.node, e.effect);
        if (reply !== null) out.push({ ...at, type: 'reply', node: e.node, ...reply });
        break;
      }
      case 'crash':
        out.push({ ...at, type: 'crash', node: e.node, afterPersist: false, lostSends: 0 });
        step += 1;
        break;
      case 'restart':
        out.push({ ...at, type: 'restart', node: e.node });
        step += 1;
        break;
      case 'step':
        step += 1;
        break;
      default: {
        const never: never = e;
        throw new Error(`synod: unknown cluster event ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}
