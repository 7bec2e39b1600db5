/**
 * A linearizability checker for key-value histories: Wing and Gong's search ("Testing and
 * verifying concurrent objects", 1993) with Lowe's memoization ("Testing for linearizability",
 * 2017), run separately on each key, since a history is linearizable iff its restriction to
 * every key is (linearizability is compositional: Herlihy and Wing, 1990).
 *
 * History format (Jepsen's): an array of records in real-time order, one per invocation and
 * one per completion,
 *
 *   { "process": 3, "type": "invoke", "f": "write", "key": "x", "value": 7 }
 *   { "process": 3, "type": "ok",     "f": "write", "key": "x", "value": 7 }
 *
 * - `type`: "invoke" starts an operation of `process`; the process's next record completes it:
 *   "ok" (it took effect, with its result), "fail" (it certainly did not take effect) or
 *   "info" (unknown: it timed out, so it may or may not have taken effect, at any time after
 *   its invocation). An invocation with no completion at all counts as "info". A process has
 *   at most one operation outstanding.
 * - `f`: "read" (`value` on the ok record is what it read, null for an absent key), "write"
 *   (`value` is written), "cas" (`value` is `[expected, new]`; a cas that found another value
 *   completes as "fail") or "delete" (the key becomes absent).
 * - `observed` (synod's addition, on "ok" and "fail" completions only; optional): the value the
 *   operation saw when it took effect. A write, a delete and a successful cas report the value
 *   they replaced (null: the key was absent); a failed cas reports the value it found instead
 *   of the expected one. Without it an operation constrains nothing but its effect, as in
 *   Jepsen's cas-register model.
 *
 * A failed cas is not dropped: synod's "fail" means the cas ran and found another value, so it
 * is a read that must see something other than `expected` (and `observed`, when it is given).
 * `checkHistory(h, { observed: false })` is the weaker check (observed values ignored, failed
 * cas dropped, as Knossos's cas-register does), kept for comparison and for outside histories
 * whose "fail" means "did not run".
 *
 * Wing and Gong's search: walk the history in order; at each invocation try to linearize that
 * operation now (its effect on the model must be legal, for a read: it must read the model's
 * value); if it is, remove it and start again from the first remaining record; when a
 * completion is reached whose operation has not been linearized, undo the last choice and try
 * the next. Lowe's addition: remember every (set of linearized operations, model state) pair
 * already explored, and never explore it twice, which turns an exponential search into one
 * that is usually fast. Operations whose outcome is unknown may be linearized at any point
 * after their invocation, or never.
 */

export type HistoryType = 'invoke' | 'ok' | 'fail' | 'info';
export type HistoryF = 'read' | 'write' | 'cas' | 'delete';
export type Scalar = string | number | null;

export interface HistoryRecord {
  readonly process: number | string;
  readonly type: HistoryType;
  readonly f: HistoryF;
  readonly key: string;
  readonly value?: Scalar | readonly [Scalar, Scalar];
  /** On a completion: the value the operation replaced (write, delete, cas) or found (failed cas). */
  readonly observed?: Scalar;
}

export type KeyVerdict =
  | { readonly key: string; readonly linearizable: true; readonly operations: number; readonly explored: number }
  | {
      readonly key: string;
      readonly linearizable: false;
      readonly operations: number;
      readonly explored: number;
      /** Why: the longest prefix linearized, and the operations no order could place next. */
      readonly reason: string;
    }
  | { readonly key: string; readonly linearizable: 'unknown'; readonly operations: number; readonly explored: number; readonly reason: string };

export interface Verdict {
  /** True when every key's history is linearizable; 'unknown' if the search budget ran out first. */
  readonly linearizable: boolean | 'unknown';
  readonly keys: readonly KeyVerdict[];
  /** Malformed records, if any (the history is then judged not linearizable). */
  readonly errors: readonly string[];
}

/** One operation: its invocation, and its completion (if it has one). */
interface Operation {
  readonly id: number;
  readonly f: HistoryF;
  /** For a write: the value; for a cas: [expected, new]; for a read: what it read. */
  readonly value: Scalar | readonly [Scalar, Scalar];
  /** True for ok (and a failed cas); false for info (or no completion): the operation may never have happened. */
  readonly certain: boolean;
  /** A cas that ran and found a value other than its expected one: it changed nothing. */
  readonly failed: boolean;
  /** The value the operation saw when it took effect, if its completion said (undefined: unconstrained). */
  readonly observed: Scalar | undefined;
  readonly text: string;
}

/** The doubly linked list of Wing and Gong, over call and return events. */
interface Node {
  readonly op: Operation;
  readonly isCall: boolean;
  /** For a call, its return event. */
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

/**
 * Pairs invocations with completions. A failed cas takes part (it found another value) unless
 * `observed` is false; any other failed operation is dropped (it did not happen).
 */
function operations(history: readonly HistoryRecord[], useObserved: boolean): { byKey: Map<string, Node[]>; errors: string[] } {
  const errors: string[] = [];
  const open = new Map<string, { record: HistoryRecord; index: number }>();
  const events: { index: number; record: HistoryRecord; completion: HistoryRecord | null; endIndex: number }[] = [];
  history.forEach((record, index) => {
    const process = String(record.process);
    if (record.type === 'invoke') {
      if (open.has(process)) errors.push(`record ${index}: process ${process} invokes while an operation is outstanding`);
      open.set(process, { record, index });
      return;
    }
    const call = open.get(process);
    if (call === undefined) {
      errors.push(`record ${index}: process ${process} completes an operation it never invoked`);
      return;
    }
    if (call.record.f !== record.f || call.record.key !== record.key) {
      errors.push(`record ${index}: process ${process} completes ${record.f} ${record.key} but invoked ${call.record.f} ${call.record.key}`);
    }
    open.delete(process);
    events.push({ index: call.index, record: call.record, completion: record, endIndex: record.type === 'info' ? Infinity : index });
  });
  for (const call of open.values()) events.push({ index: call.index, record: call.record, completion: null, endIndex: Infinity });

  const timeline = new Map<string, { at: number; node: Node }[]>();
  // Operation ids number each key's operations from 0: the search's set of linearized operations
  // is a bit set over them, so it stays as small as the key's history, however long the whole.
  const ids = new Map<string, number>();
  for (const e of events) {
    const f = e.record.f;
    const failed = e.completion?.type === 'fail';
    if (failed && (f !== 'cas' || !useObserved)) continue;
    const certain = e.completion?.type === 'ok' || failed;
    const source = f === 'read' ? e.completion?.value : e.record.value;
    if (f === 'read' && !certain) continue; // a read that may not have happened constrains nothing
    const value = source === undefined ? null : source;
    if (f === 'cas' && !Array.isArray(value)) {
      errors.push(`record ${e.index}: a cas takes [expected, new], got ${JSON.stringify(value)}`);
      continue;
    }
    const seen = useObserved && e.completion !== null && e.completion.observed !== undefined && f !== 'read' ? e.completion.observed : undefined;
    const saw = seen === undefined ? '' : failed ? ` failed, found ${JSON.stringify(seen)}` : ` replaced ${JSON.stringify(seen)}`;
    const text = `${f} ${JSON.stringify(value)}${failed && seen === undefined ? ' failed' : saw} by process ${e.record.process}${certain ? '' : ' (info)'}`;
    const id = ids.get(e.record.key) ?? 0;
    ids.set(e.record.key, id + 1);
    const op: Operation = { id, f, value, certain, failed, observed: seen, text };
    const call: Node = { op, isCall: true, match: null, prev: null, next: null };
    const ret: Node = { op, isCall: false, match: null, prev: null, next: null };
    call.match = ret;
    const list = timeline.get(e.record.key) ?? [];
    list.push({ at: e.index, node: call }, { at: e.endIndex, node: ret });
    timeline.set(e.record.key, list);
  }
  const byKey = new Map<string, Node[]>();
  for (const [key, list] of timeline) byKey.set(key, list.sort((a, b) => a.at - b.at).map((x) => x.node));
  return { byKey, errors };
}

/** The register's next value, or undefined if the operation cannot happen in `state`. */
function step(state: Scalar, op: Operation): Scalar | undefined {
  if (op.observed !== undefined && op.observed !== state) return undefined;
  switch (op.f) {
    case 'read':
      return op.value === state ? state : undefined;
    case 'write':
      return op.value as Scalar;
    case 'delete':
      return null;
    case 'cas': {
      const [expected, next] = op.value as readonly [Scalar, Scalar];
      if (op.failed) return expected === state ? undefined : state;
      return expected === state ? next : undefined;
    }
    default: {
      const never: never = op.f;
      throw new Error(`synod: unknown operation ${String(never)}`);
    }
  }
}

function lift(call: Node): void {
  const ret = call.match!;
  if (call.prev !== null) call.prev.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  if (ret.prev !== null) ret.prev.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  if (ret.prev !== null) ret.prev.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  if (call.prev !== null) call.prev.next = call;
  if (call.next !== null) call.next.prev = call;
}

/** Wing and Gong's search with Lowe's cache, over one key's events. */
export function checkKey(key: string, events: readonly Node[], initial: Scalar = null, budget = 1_000_000): KeyVerdict {
  const head: Node = { op: { id: -1, f: 'read', value: null, certain: true, failed: false, observed: undefined, text: 'head' }, isCall: false, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    e.prev = prev;
    e.next = null;
    prev.next = e;
    prev = e;
  }
  const operationsCount = events.length / 2;
  const cache = new Set<string>();
  const stack: { call: Node; state: Scalar }[] = [];
  let linearized = 0n;
  let state: Scalar = initial;
  let entry = head.next;
  let explored = 0;
  let longest: Node[] = [];
  while (head.next !== null) {
    if (explored >= budget) {
      return { key, linearizable: 'unknown', operations: operationsCount, explored, reason: `search budget of ${budget} steps spent` };
    }
    explored += 1;
    if (entry === null) break;
    if (entry.isCall) {
      const next = step(state, entry.op);
      const bits = linearized | (1n << BigInt(entry.op.id));
      const memo = next === undefined ? '' : `${bits.toString(36)}|${JSON.stringify(next)}`;
      if (next !== undefined && !cache.has(memo)) {
        cache.add(memo);
        stack.push({ call: entry, state });
        state = next;
        linearized = bits;
        lift(entry);
        if (stack.length > longest.length) longest = stack.map((s) => s.call);
        entry = head.next;
      } else {
        entry = entry.next;
      }
      continue;
    }
    if (!entry.op.certain) break; // only unknown operations remain unplaced: they may never have happened
    const top = stack.pop();
    if (top === undefined) {
      const placed = new Set(longest);
      const stuck = events.filter((e) => e.isCall && e.op.certain && !placed.has(e)).map((e) => e.op.text);
      return {
        key,
        linearizable: false,
        operations: operationsCount,
        explored,
        reason: `key ${key}: no order explains the history; longest linearizable prefix: ` +
          `[${longest.map((n) => n.op.text).join('; ')}]; none of [${stuck.join('; ')}] can follow it`,
      };
    }
    unlift(top.call);
    state = top.state;
    linearized &= ~(1n << BigInt(top.call.op.id));
    entry = top.call.next;
  }
  return { key, linearizable: true, operations: operationsCount, explored };
}

export interface CheckOptions {
  /**
   * The search budget of each key, in explored steps (default 1,000,000): a key whose search
   * spends it is judged 'unknown' (never linearizable), and the others are still checked.
   */
  readonly budget?: number;
  /** Read the completions' `observed` values and the failed cas operations (default true). */
  readonly observed?: boolean;
  /** Called after each key is judged, with how many keys are done and how many there are (for progress reports). */
  readonly onKey?: (verdict: KeyVerdict, done: number, total: number) => void;
}

/**
 * Checks a key-value history (every key starts absent). Linearizable iff every key's
 * sub-history is. `observed` (default true) reads the completions' `observed` values and the
 * failed cas operations; false is the weaker check that ignores both.
 */
export function checkHistory(history: readonly HistoryRecord[], options: CheckOptions = {}): Verdict {
  const { byKey, errors } = operations(history, options.observed ?? true);
  const keys: KeyVerdict[] = [];
  const sorted = [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, events] of sorted) {
    const verdict = checkKey(key, events, null, options.budget);
    keys.push(verdict);
    options.onKey?.(verdict, keys.length, sorted.length);
  }
  const linearizable = errors.length > 0 || keys.some((k) => k.linearizable === false)
    ? false
    : keys.some((k) => k.linearizable === 'unknown')
      ? 'unknown'
      : true;
  return { linearizable, keys, errors };
}
