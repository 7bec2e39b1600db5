/**
 * One run of the checker: the search over the states `Transitions` generates.
 *
 * Every distinct state found is stored (`StateStore`) with the state it was first reached from
 * and the action that reached it, so a counterexample is rebuilt as a run (`Transitions.trace`).
 * Breadth-first takes states in the order they were found, so the ids themselves are the queue
 * and the first violation found has the shortest trace; depth-first takes the newest state
 * first, from a stack. Every state stored is checked against the always-properties (the run
 * stops at the first one broken) and the sometimes-properties not yet witnessed, each result
 * memoized on the part of the state the property says it reads.
 */
import type { Addressed } from '../core/protocol';
import type { Global } from './encoding';
import type { AlwaysProperty, CheckOptions, CheckResult, Counterexample, Finding, Reads, Snapshot, SometimesProperty, SometimesResult, TraceStep } from './model';
import type { Broken } from './obsolete';
import { StateStore, Writer, grow } from './state-store';
import type { PathStep, Transitions, Visitor } from './transitions';
import { ACTION_NONE } from './transitions';

/** A property's results, memoized on the part of the state it reads (`project`), or not at all. */
class Memo<R> {
  private readonly results = new Map<string, R>();
  /** The key of the state last asked for. */
  private key: string | null = null;

  constructor(private readonly project: ((g: Global) => string) | null) {}

  /** The result in `g` when known; `remember` then records the result computed for `g`. */
  get(g: Global): R | undefined {
    if (this.project === null) return undefined;
    this.key = this.project(g);
    return this.results.get(this.key);
  }

  remember(r: R): R {
    if (this.project !== null) this.results.set(this.key!, r);
    return r;
  }
}

export class Search<S, M extends Addressed, E, D, C> implements Visitor {
  private readonly started = process.hrtime.bigint();
  private readonly always: readonly AlwaysProperty<S, M, C>[];
  private readonly alwaysMemo: Memo<readonly Finding[]>[];
  private readonly sometimes: readonly SometimesProperty<S, M, C>[];
  private readonly sometimesMemo: Memo<boolean>[];
  /** Per sometimes-property: the first state found where it holds. */
  private readonly witnessed: (number | null)[];
  private readonly store = new StateStore();
  private readonly writer: Writer;
  /** Per stored state: the state it was first reached from, the action (kind, argument), and its depth. */
  private parent = new Int32Array(1024);
  private actionKind = new Uint8Array(1024);
  private actionArg = new Int32Array(1024);
  private depthOf = new Uint16Array(1024);
  private transitions = 0;
  private maxDepth = 0;
  private readonly violations: Counterexample<M, C>[] = [];
  private stopped = false;
  private readonly maxStates: number;
  private readonly dfs: boolean;
  /** The frontier: under BFS the stored states from `head` on; under DFS a stack. */
  private readonly stack: number[] = [];
  private head = 0;
  /** The state being expanded, and the depth of its successors. */
  private expanding = 0;
  private depth = 0;
  /** The snapshot of the state last viewed, built when a property needs it. */
  private snap: Snapshot<S, M, C> | null = null;
  private snapOf: Global | null = null;

  constructor(
    private readonly t: Transitions<S, M, E, D, C>,
    private readonly options: CheckOptions<S, M, C>,
  ) {
    const model = t.model;
    t.steps.memoize = options.memoize ?? true;
    if ((options.always ?? []).length > 0 && (model.obsolete !== undefined || model.lost !== undefined)) {
      // What the model removes or loses was decided against the model's own properties.
      throw new Error('synod: this model removes or loses messages; put extra properties in the model, not in the run options');
    }
    this.always = [...model.always, ...(options.always ?? [])];
    this.alwaysMemo = this.always.map((a) => new Memo(this.projector(a.reads, t.steps.memoize)));
    this.sometimes = model.sometimes;
    this.sometimesMemo = this.sometimes.map((s) => new Memo(this.projector(s.reads, t.steps.memoize)));
    this.witnessed = this.sometimes.map(() => null);
    this.writer = t.writer;
    this.maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
    this.dfs = options.dfs === true;
  }

  /** Explores the model; stops at the first violation of an always-property. */
  run(): CheckResult<M, C> {
    const start = this.begin();
    const progress = this.options.progress;
    let lastReport = this.elapsed();
    this.stack.push(start);
    this.head = start;
    let expanded = 0;
    for (let id = this.next(); id >= 0 && !this.stopped; id = this.next()) {
      this.expand(id);
      expanded += 1;
      if (progress !== undefined && (expanded & 0x3fff) === 0 && this.elapsed() - lastReport >= 1) {
        lastReport = this.elapsed();
        progress({ states: this.store.size, queue: this.dfs ? this.stack.length : this.store.size - this.head, transitions: this.transitions, seconds: lastReport });
      }
    }
    return this.result();
  }

  private elapsed(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  /** Stores and checks the initial state, then plays the prefix; returns the state the search starts from. */
  private begin(): number {
    const t = this.t;
    const prefix = this.options.prefix ?? [];
    if (t.sym !== null && prefix.length > 0) throw new Error('synod: a directed start is not supported with symmetry reduction');
    if (t.model.steps !== undefined && prefix.length > 0) throw new Error('synod: a directed start is not supported with step properties');
    const init = t.initial();
    t.encode(init);
    const initHash = this.writer.hash();
    this.store.find(this.writer, initHash);
    this.add(initHash, -1, ACTION_NONE, 0, 0);
    this.stopped = !this.inspect(0, init);
    let start = 0;
    for (const action of prefix) {
      if (this.stopped) break;
      const g = t.encoding.decode(this.store, start);
      const next = t.play(g, action);
      const hash = this.writer.hash();
      if (this.store.find(this.writer, hash) >= 0) throw new Error(`synod: prefix action ${action.type} changes nothing`);
      start = this.add(hash, start, next.kind, next.arg, this.depthOf[start]! + 1);
      this.stopped = !this.inspect(start, t.encoding.decode(this.store, start));
    }
    return start;
  }

  /** The next state to expand, or -1 when the frontier is empty. */
  private next(): number {
    if (this.dfs) return this.stack.pop() ?? -1;
    return this.head < this.store.size ? this.head++ : -1;
  }

  /** Visits every successor of stored state `id`. */
  private expand(id: number): void {
    this.expanding = id;
    this.depth = this.depthOf[id]! + 1;
    this.t.successors(this.t.encoding.decode(this.store, id), this);
  }

  visit(kind: number, arg: number): void {
    if (this.stopped) return;
    this.transitions += 1;
    const store = this.store;
    const hash = this.writer.hash();
    if (store.find(this.writer, hash) >= 0) return;
    if (store.size >= this.maxStates) {
      // The budget is spent: no state is added, and no further state is expanded.
      this.stopped = true;
      return;
    }
    const child = this.add(hash, this.expanding, kind, arg, this.depth);
    if (!this.inspect(child, this.t.encoding.decode(store, child))) this.stopped = true;
    else if (this.dfs) this.stack.push(child);
  }

  loop(): void {
    this.transitions += 1;
  }

  /** A violation found while expanding a state: the trace ends with the step from it. */
  broke(kind: number, arg: number, broken: Broken): void {
    if (this.stopped) return;
    this.violations.push({ ...broken, trace: this.trace(this.expanding, { at: -1, kind, arg }) });
    this.stopped = true;
  }

  unreduced(kind: number, arg: number, successor: Global): void {
    if (this.stopped) return;
    const broken = this.brokenAlways(successor);
    if (broken !== null) this.broke(kind, arg, broken);
  }

  /** Adds the state the writer holds (a `find` of it just returned -1). */
  private add(hash: number, from: number, kind: number, arg: number, depth: number): number {
    const id = this.store.add(this.writer, hash);
    if (id === this.parent.length) {
      this.parent = grow(this.parent);
      this.actionKind = grow(this.actionKind);
      this.actionArg = grow(this.actionArg);
      this.depthOf = grow(this.depthOf);
    }
    this.parent[id] = from;
    this.actionKind[id] = kind;
    this.actionArg[id] = arg;
    this.depthOf[id] = Math.min(depth, 0xffff);
    if (depth > this.maxDepth) this.maxDepth = depth;
    return id;
  }

  /** Checks every property in stored state `id`; returns false when an always-property broke. */
  private inspect(id: number, g: Global): boolean {
    const onState = this.options.onState;
    if (onState !== undefined) {
      const interned = this.t.interned;
      onState({
        crashes: g.crashes,
        asked: g.asked,
        states: g.states.map((x) => interned.states.get(x)),
        durables: g.durables.map((x) => interned.durables.get(x)),
        history: g.ids.map((m) => interned.messages.get(m)),
        copies: this.t.model.network === 'multiset' ? g.counts : null,
      });
    }
    const broken = this.brokenAlways(g);
    if (broken !== null) {
      this.violations.push({ ...broken, trace: this.trace(id) });
      return false;
    }
    const sometimes = this.sometimes;
    for (let k = 0; k < sometimes.length; k += 1) {
      if (this.witnessed[k] !== null) continue;
      const memo = this.sometimesMemo[k]!;
      if (memo.get(g) ?? memo.remember(sometimes[k]!.holds(this.view(g)))) this.witnessed[k] = id;
    }
    return true;
  }

  /** The first always-property broken in `g`, with its findings, or null. */
  private brokenAlways(g: Global): Broken | null {
    const always = this.always;
    for (let k = 0; k < always.length; k += 1) {
      const memo = this.alwaysMemo[k]!;
      const findings = memo.get(g) ?? memo.remember(always[k]!.check(this.view(g)));
      if (findings.length > 0) return { property: always[k]!.name, findings };
    }
    return null;
  }

  /** What a property sees of `g` (built once per state, when first asked). */
  private view(g: Global): Snapshot<S, M, C> {
    if (this.snapOf === g && this.snap !== null) return this.snap;
    const interned = this.t.interned;
    const model = this.t.model;
    const messages = g.ids.map((m) => interned.messages.get(m));
    const inFlight: M[] = [];
    if (model.network === 'multiset') {
      g.ids.forEach((m, j) => {
        for (let k = 0; k < g.counts[j]!; k += 1) inFlight.push(interned.messages.get(m));
      });
    } else {
      inFlight.push(...messages);
    }
    const requested: C[] = [];
    model.requests.forEach((slot, r) => {
      const a = g.asked[r]!;
      if (a > 0) requested.push(slot.choices[a - 1]!);
    });
    this.snap = { nodes: interned.nodes, states: g.states.map((s) => interned.states.get(s)), messages, inFlight, requested };
    this.snapOf = g;
    return this.snap;
  }

  /** The key of the part of a state a property reads (null: not memoized). */
  private projector(reads: Reads<S, M> | undefined, memoize: boolean): ((g: Global) => string) | null {
    if (reads === undefined || !memoize) return null;
    const interned = this.t.interned;
    const nodeKeys = new Map<number, number>();
    const nodeKeyIds = new Map<string, number>();
    const relevant: boolean[] = [];
    const w = new Writer();
    return (g) => {
      w.reset();
      for (const s of g.states) {
        let k = nodeKeys.get(s);
        if (k === undefined) {
          const text = reads.node(interned.states.get(s));
          k = nodeKeyIds.get(text);
          if (k === undefined) {
            k = nodeKeyIds.size;
            nodeKeyIds.set(text, k);
          }
          nodeKeys.set(s, k);
        }
        w.varint(k);
      }
      if (reads.requests) for (const a of g.asked) w.varint(a);
      for (const m of g.ids) {
        let r = relevant[m];
        if (r === undefined) {
          r = reads.message(interned.messages.get(m));
          relevant[m] = r;
        }
        if (r) w.varint(m);
      }
      return w.text();
    };
  }

  /** The run to stored state `id`, then `last` when given (a step to a state not stored). */
  private trace(id: number, last?: PathStep): TraceStep<M, C>[] {
    const path: PathStep[] = [];
    for (let at = id; at > 0; at = this.parent[at]!) path.push({ at, kind: this.actionKind[at]!, arg: this.actionArg[at]! });
    path.reverse();
    if (last !== undefined) path.push(last);
    return this.t.trace(path, this.store);
  }

  private result(): CheckResult<M, C> {
    const sometimes: Record<string, SometimesResult<M, C>> = {};
    this.sometimes.forEach((s, k) => {
      const seen = this.witnessed[k]!;
      sometimes[s.name] = { holds: seen !== null, witness: seen === null ? null : this.trace(seen) };
    });
    const interned = this.t.interned;
    return {
      states: this.store.size,
      transitions: this.transitions,
      depth: this.maxDepth,
      seconds: this.elapsed(),
      complete: !this.stopped,
      violations: this.violations,
      sometimes,
      interned: { states: interned.states.values.length, durables: interned.durables.values.length, messages: interned.messages.values.length },
    };
  }
}
