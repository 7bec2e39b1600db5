/**
 * The history of a Jepsen-style run, recorded as it happens (real-time order), in the format of
 * `synod sim --history` (docs/history.md): one record per invocation and per completion,
 * `{ index, process, type, f, key, value, observed?, node? }`, plus `time` (milliseconds since
 * the run began; outside checkers ignore fields they do not know). A process is one client
 * incarnation: a client whose operation ended `info` continues as a new process, as in Jepsen,
 * since its old operation may still take effect at any later time.
 *
 * And the checks of the finished history beside linearizability: acknowledged writes not lost,
 * and progress after every fault.
 */
import * as fs from 'node:fs';
import type { HistoryRecord, Scalar } from '../lib/history/linearizability';
import type { KvOp, KvResult } from '../lib/machine/kv';
import { historyOf } from '../lib/sim/kv-history';
import type { NodeId } from '../lib/core/types';

export type JepsenRecord = HistoryRecord & { readonly index: number; readonly time: number; readonly node?: NodeId };

export class HistoryRecorder {
  private readonly records: JepsenRecord[] = [];
  private readonly open = new Map<number, KvOp>();

  constructor(private readonly start: number) {}

  private now(): number {
    return Math.round((performance.now() - this.start) * 10) / 10;
  }

  invoke(process: number, op: KvOp): void {
    if (this.open.has(process)) throw new Error(`history: process ${process} invokes while an operation is outstanding`);
    this.open.set(process, op);
    const h = historyOf(op);
    this.records.push({ index: this.records.length, time: this.now(), process, type: 'invoke', f: h.f, key: op.key, value: h.value });
  }

  /** A reply `ok` from `node`: the command was applied; a cas that found another value is a `fail`. */
  applied(process: number, node: NodeId, result: KvResult): void {
    const op = this.close(process);
    const h = historyOf(op);
    this.records.push({
      index: this.records.length,
      time: this.now(),
      process,
      type: result.ok ? 'ok' : 'fail',
      f: h.f,
      key: op.key,
      value: op.type === 'get' ? result.value : h.value,
      ...(op.type === 'get' ? {} : { observed: result.value }),
      node,
    });
  }

  /** No definite answer: the operation may or may not have taken effect. */
  info(process: number): void {
    const op = this.close(process);
    const h = historyOf(op);
    this.records.push({ index: this.records.length, time: this.now(), process, type: 'info', f: h.f, key: op.key, value: h.value });
  }

  private close(process: number): KvOp {
    const op = this.open.get(process);
    if (op === undefined) throw new Error(`history: process ${process} completes an operation it never invoked`);
    this.open.delete(process);
    return op;
  }

  /** The history: operations still open are closed as `info` (at the end). */
  history(): JepsenRecord[] {
    const out = [...this.records];
    for (const [process, op] of this.open) {
      const h = historyOf(op);
      out.push({ index: out.length, time: this.now(), process, type: 'info', f: h.f, key: op.key, value: h.value });
    }
    return out;
  }
}

export function writeHistory(file: string, history: readonly JepsenRecord[]): void {
  fs.writeFileSync(file, history.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export interface LostWrite {
  readonly key: string;
  readonly value: Scalar;
  readonly process: number | string;
  readonly index: number;
}

/**
 * Acknowledged writes that no later state explains. Every write (a put or a successful cas)
 * writes a value no other write writes, and every applied put, delete and cas reports the value
 * it replaced, so the fate of an acknowledged write is visible: its value is the key's final
 * value, or some applied operation reports having replaced it, or an operation whose outcome is
 * unknown (`info`) on the same key may have replaced it unseen (an `info` may take effect at any
 * time after its invocation, even one invoked before the write). A write with none of these was
 * lost. This check is deliberately conservative (an `info` excuses every write of its key); the
 * sharp one is linearizability of the whole history, final reads included. `finals` maps each key to the value a final read through the log returned
 * after every fault healed.
 */
export function lostWrites(history: readonly JepsenRecord[], finals: ReadonlyMap<string, Scalar>): LostWrite[] {
  const invokes = new Map<number | string, JepsenRecord>();
  const writes: { record: JepsenRecord; value: Scalar }[] = [];
  const replaced = new Map<string, Set<Scalar>>();
  const uncertain = new Set<string>();
  for (const r of history) {
    if (r.type === 'invoke') {
      invokes.set(r.process, r);
      continue;
    }
    const call = invokes.get(r.process);
    if (call === undefined) continue;
    invokes.delete(r.process);
    if (r.f === 'read') continue;
    if (r.type === 'info') {
      uncertain.add(r.key);
      continue;
    }
    if (r.type === 'ok') {
      if (r.observed !== undefined) {
        const set = replaced.get(r.key) ?? new Set<Scalar>();
        set.add(r.observed);
        replaced.set(r.key, set);
      }
      if (r.f === 'write') writes.push({ record: r, value: r.value as Scalar });
      if (r.f === 'cas') writes.push({ record: r, value: (r.value as readonly [Scalar, Scalar])[1] });
    }
  }
  return writes
    .filter(({ record, value }) =>
      (finals.get(record.key) ?? null) !== value &&
      !(replaced.get(record.key)?.has(value) ?? false) &&
      !uncertain.has(record.key))
    .map(({ record, value }) => ({ key: record.key, value, process: record.process, index: record.index }));
}

export interface Fault {
  readonly kind: string;
  readonly nodes: readonly NodeId[];
  /** When the fault began and when it was healed (ms since the run began); a restart is healed once the restarted processes serve. */
  readonly at: number;
  readonly healedAt: number;
  /** For restarts: from spawning the processes to their client API answering. */
  readonly startupMs?: number;
}

export interface Recovery {
  readonly fault: string;
  readonly healedAt: number;
  /** Milliseconds from the heal to the first operation invoked after it that completed (ok or fail); null: none did. */
  readonly progressAfterMs: number | null;
}

/** For each healed fault: how long until an operation invoked after the heal completed. */
export function recoveries(history: readonly JepsenRecord[], faults: readonly Fault[]): Recovery[] {
  const invokes = new Map<number | string, JepsenRecord>();
  const completions: { invokedAt: number; doneAt: number }[] = [];
  for (const r of history) {
    if (r.type === 'invoke') {
      invokes.set(r.process, r);
      continue;
    }
    const call = invokes.get(r.process);
    invokes.delete(r.process);
    if (call !== undefined && (r.type === 'ok' || r.type === 'fail')) completions.push({ invokedAt: call.time, doneAt: r.time });
  }
  return faults.map((f) => {
    // A loop, not Math.min(...): a ten-minute run completes more operations than a call's arguments may hold.
    let first: number | null = null;
    for (const c of completions) if (c.invokedAt >= f.healedAt && (first === null || c.doneAt - f.healedAt < first)) first = c.doneAt - f.healedAt;
    return {
      fault: `${f.kind} ${f.nodes.join(',')}`,
      healedAt: f.healedAt,
      progressAfterMs: first === null ? null : Math.round(first),
    };
  });
}
