/**
 * The model's transition relation over stored states: the initial state, every successor of a
 * state (`successors`, in a fixed order), the successor by one given action (`play`, for a
 * directed start) and the replay of a path of stored states as a run (`trace`).
 *
 * Each successor is one local step (`local-steps.ts`) placed in the global state: its
 * fingerprint is written into `writer` (`encoding.ts`), after obsolete-message removal
 * (`obsolete.ts`) and as its canonical representative under a symmetry (`symmetry.ts`).
 */
import type { Addressed } from '../core/protocol';
import { assertNever } from '../core/types';
import { canonicalKey } from './canonical';
import type { Global } from './encoding';
import { Encoding, emptyGlobal, lowerBound } from './encoding';
import { Interner } from './intern';
import type { LocalStep } from './local-steps';
import { KIND_DELIVER, KIND_REQUEST, KIND_TIMEOUT, LocalSteps } from './local-steps';
import type { Action, Model, TraceStep } from './model';
import type { Broken } from './obsolete';
import { ObsoleteMessages, StepProperties } from './obsolete';
import type { StateStore } from './state-store';
import { NONE, Writer } from './state-store';
import { SymmetryReduction } from './symmetry';

/** The action that led to a stored state (`ACTION_NONE`: the initial state). */
export const ACTION_NONE = 0;
export const ACTION_DELIVER = 1;
export const ACTION_REQUEST = 2;
export const ACTION_TIMEOUT = 3;
export const ACTION_CRASH = 4;

/** What `successors` reports to the search. */
export interface Visitor {
  /** A successor by `action`, its fingerprint in the writer. */
  visit(action: number, arg: number): void;
  /** A step that changes nothing. */
  loop(): void;
  /** A step that breaks a step property. */
  broke(action: number, arg: number, broken: Broken): void;
  /**
   * The successor by `action` as it was before a message a property reads was dropped on
   * arrival (obsolete, and settled): a real state, to be checked though it is not stored.
   */
  unreduced(action: number, arg: number, successor: Global): void;
}

/** One step of a path through stored states: the state reached (-1: not stored) and how. */
export interface PathStep {
  readonly at: number;
  readonly kind: number;
  readonly arg: number;
}

/** The transitions of one model, with every table that makes them cheap. */
export class Transitions<S, M extends Addressed, E, D, C> {
  readonly interned: Interner<S, M, E, D, C>;
  readonly encoding: Encoding;
  readonly steps: LocalSteps<S, M, E, D, C>;
  /** Obsolete-message removal, when the model declares it and the network is the set. */
  private readonly obsolete: ObsoleteMessages<S, M, E, D, C> | null;
  /** Symmetry reduction, when the model declares a symmetry. */
  readonly sym: SymmetryReduction<S, M, E, D, C> | null;
  /** Where every fingerprint is written: the state `successors` visits, `play` reaches, `encode` encodes. */
  readonly writer = new Writer();
  private readonly multiset: boolean;
  private readonly timers: readonly number[];
  private readonly crashable: readonly number[];

  constructor(readonly model: Model<S, M, E, D, C>) {
    const interned = new Interner(model);
    this.interned = interned;
    const nodes = interned.nodes;
    this.multiset = model.network === 'multiset';
    this.encoding = new Encoding(model.network, model.requests.length, nodes.length);
    this.steps = new LocalSteps(model, interned, new StepProperties(model, interned));
    this.obsolete = model.obsolete === undefined || this.multiset ? null : new ObsoleteMessages(model, model.obsolete, interned);
    const t = model.timeouts;
    this.timers = (t === true ? nodes : t === false ? [] : t).map((n) => interned.indexOf(n)).filter((i) => !interned.down.has(i));
    this.crashable = (model.crashable ?? nodes).map((n) => interned.indexOf(n)).filter((i) => !interned.down.has(i));
    for (const slot of model.requests) {
      interned.indexOf(slot.node);
      if (slot.choices.length === 0) throw new Error(`synod: a request slot for node ${slot.node} has no choices`);
    }
    this.sym = model.symmetry === undefined ? null : new SymmetryReduction(model.symmetry, model, interned, this.encoding, this.writer, this.timers, this.crashable);
  }

  initial(): Global {
    const p = this.model.protocol;
    const interned = this.interned;
    return {
      crashes: 0,
      asked: this.model.requests.map(() => 0),
      states: interned.nodes.map((n) => interned.states.id(p.init(n))),
      durables: interned.nodes.map(() => interned.durables.id(undefined)),
      bits: new Uint8Array(0),
      ids: [],
      counts: [],
    };
  }

  /** Writes the fingerprint of `g` into the writer. */
  encode(g: Global): void {
    if (this.sym !== null) this.sym.writeCanonical(g);
    else this.encoding.writeSuccessor(this.writer, g, -1, 0, 0, NONE, NONE, -1, -1, 0, 0);
  }

  /**
   * Writes into the writer the fingerprint of the successor of `g` in which `node` took a step
   * to (`state`, `durable`) and sent `stepSends`, with the arguments of
   * `Encoding.writeSuccessor`: first without what obsolete-message removal takes out, then as
   * its representative under a symmetry.
   *
   * Returns whether a message a property reads was dropped on arrival (obsolete, and settled):
   * the search then checks the successor with it too (see `Visitor.unreduced`).
   */
  private successorKey(g: Global, node: number, state: number, durable: number, stepSends: readonly number[], consumed: number, slot: number, choice: number, crashed: number): boolean {
    const obsolete = this.obsolete;
    const sends = obsolete === null ? stepSends : obsolete.reduce(g, node, state, stepSends, false);
    const removed = obsolete === null ? NONE : obsolete.removed;
    const sym = this.sym;
    if (sym !== null) sym.writeSuccessorCanonical(g, node, state, durable, sends, removed, consumed, slot, choice, crashed);
    else this.encoding.writeSuccessor(this.writer, g, node, state, durable, sends, removed, consumed, slot, choice, crashed);
    return obsolete !== null && obsolete.droppedRead(stepSends, sends);
  }

  /**
   * Fills `out` with the successor `successorKey` describes (the same arguments), as data;
   * with `keepRead`, an obsolete message a property reads is kept (`Visitor.unreduced`).
   */
  private successor(out: Global, g: Global, node: number, state: number, durable: number, stepSends: readonly number[], consumed: number, slot: number, choice: number, crashed: number, keepRead: boolean): void {
    const obsolete = this.obsolete;
    const sends = obsolete === null ? stepSends : obsolete.reduce(g, node, state, stepSends, keepRead);
    const removed = obsolete === null ? NONE : obsolete.removed;
    this.encoding.materialize(out, g, node, state, durable, sends, removed, consumed, slot, choice, crashed);
  }

  /** True when, in the set model, `sends` are all already in the network. */
  private allPresent(g: Global, sends: readonly number[]): boolean {
    const bits = g.bits;
    const obsolete = this.obsolete;
    for (const m of sends) {
      if (((bits[m >> 3] ?? 0) & (1 << (m & 7))) !== 0) continue;
      // A message obsolete on arrival is never added: as good as present. One a property reads
      // is not: the state with it must still be checked.
      if (obsolete !== null && obsolete.droppedOnArrival(g, m)) continue;
      return false;
    }
    return true;
  }

  /**
   * Every successor of `g`, in a fixed order: deliveries in message-id order, then client
   * requests, timeouts, crashes. Each is written into the writer as its fingerprint, then
   * `visit` is called with the action that leads to it. A step that changes nothing at all (a
   * repeated delivery in the set model) is reported to `loop` only.
   */
  successors(g: Global, v: Visitor): void {
    const multiset = this.multiset;
    const steps = this.steps;
    const messageTo = this.interned.messageTo;
    for (let j = 0; j < g.ids.length; j += 1) {
      if (multiset && g.counts[j] === 0) continue;
      const m = g.ids[j]!;
      const to = messageTo[m]!;
      if (to < 0) continue;
      const step = steps.local(KIND_DELIVER, to, g, m);
      if (step.pruned) continue;
      if (step.broken !== null) v.broke(ACTION_DELIVER, m, step.broken);
      if (!multiset && step.unchanged && this.allPresent(g, step.sends)) {
        v.loop();
        continue;
      }
      this.emit(g, v, ACTION_DELIVER, m, to, step.state, step.durable, step.sends, j, -1, 0, 0);
    }
    const requests = this.model.requests;
    let known: { history: readonly M[]; requested: readonly C[] } | null = null;
    for (let r = 0; r < requests.length; r += 1) {
      if (g.asked[r] !== 0) continue;
      const slot = requests[r]!;
      const node = this.interned.indexOf(slot.node);
      if (this.interned.down.has(node)) continue;
      for (let c = 0; c < slot.choices.length; c += 1) {
        if (slot.when !== undefined) {
          known ??= this.known(g);
          if (!slot.when(slot.choices[c]!, known.history, known.requested)) continue;
        }
        const step = steps.local(KIND_REQUEST, node, g, r * 0x10000 + c);
        if (step.pruned) continue;
        if (step.broken !== null) v.broke(ACTION_REQUEST, r * 0x10000 + c, step.broken);
        this.emit(g, v, ACTION_REQUEST, r * 0x10000 + c, node, step.state, step.durable, step.sends, -1, r, c + 1, 0);
      }
    }
    for (const i of this.timers) {
      const step = steps.local(KIND_TIMEOUT, i, g, 0);
      if (step.pruned) continue;
      if (step.broken !== null) v.broke(ACTION_TIMEOUT, i, step.broken);
      if (step.unchanged && (multiset ? step.sends.length === 0 : this.allPresent(g, step.sends))) {
        v.loop();
        continue;
      }
      this.emit(g, v, ACTION_TIMEOUT, i, i, step.state, step.durable, step.sends, -1, -1, 0, 0);
    }
    if (g.crashes < this.model.crashes) {
      for (const i of this.crashable) {
        const recovered = steps.recovered(i, g.durables[i]!);
        // A crash that loses nothing leads to a state that only has fewer crashes left: every
        // run from it is a run from `g`, so it is skipped.
        if (recovered === g.states[i]) continue;
        const broken = steps.properties.brokenByCrash(g.states[i]!, recovered);
        if (broken !== null) v.broke(ACTION_CRASH, i, broken);
        this.emit(g, v, ACTION_CRASH, i, i, recovered, g.durables[i]!, NONE, -1, -1, 0, 1);
      }
    }
  }

  /** What a request slot's `when` reads of `g`: the history and what was asked. */
  private known(g: Global): { history: readonly M[]; requested: readonly C[] } {
    const messages = this.interned.messages;
    const requested: C[] = [];
    this.model.requests.forEach((slot, r) => {
      const a = g.asked[r]!;
      if (a > 0) requested.push(slot.choices[a - 1]!);
    });
    return { history: g.ids.map((m) => messages.get(m)), requested };
  }

  /** Writes a successor's fingerprint and visits it (then the successor before an arrival was dropped, if one was). */
  private emit(g: Global, v: Visitor, action: number, arg: number, node: number, state: number, durable: number, sends: readonly number[], consumed: number, slot: number, choice: number, crashed: number): void {
    const dropped = this.successorKey(g, node, state, durable, sends, consumed, slot, choice, crashed);
    v.visit(action, arg);
    if (!dropped) return;
    const full = emptyGlobal();
    this.successor(full, g, node, state, durable, sends, consumed, slot, choice, crashed, true);
    v.unreduced(action, arg, full);
  }

  /**
   * Writes the successor of `g` by one given action (for a prefix) into the writer and says
   * which action it is; throws if the action is not enabled.
   */
  play(g: Global, action: Action<M, C>): { kind: number; arg: number } {
    const interned = this.interned;
    const steps = this.steps;
    switch (action.type) {
      case 'deliver': {
        const m = interned.messageId(action.message);
        const j = lowerBound(g.ids, m);
        const to = interned.messageTo[m]!;
        if (g.ids[j] !== m || to < 0 || (this.multiset && g.counts[j] === 0)) {
          throw new Error(`synod: prefix delivers a message that is not deliverable: ${canonicalKey(action.message)}`);
        }
        const step = steps.local(KIND_DELIVER, to, g, m);
        if (step.pruned) throw new Error('synod: prefix delivery leaves the bound');
        this.successorKey(g, to, step.state, step.durable, step.sends, j, -1, 0, 0);
        return { kind: ACTION_DELIVER, arg: m };
      }
      case 'request': {
        const known = this.known(g);
        const r = this.model.requests.findIndex(
          (slot, i) =>
            slot.node === action.node &&
            g.asked[i] === 0 &&
            slot.choices.some((c) => canonicalKey(c) === canonicalKey(action.command) && (slot.when === undefined || slot.when(c, known.history, known.requested))),
        );
        if (r < 0) throw new Error(`synod: prefix request to node ${action.node} is not enabled`);
        const slot = this.model.requests[r]!;
        const c = slot.choices.findIndex((x) => canonicalKey(x) === canonicalKey(action.command));
        const node = interned.indexOf(slot.node);
        const step = steps.local(KIND_REQUEST, node, g, r * 0x10000 + c);
        if (step.pruned) throw new Error('synod: prefix request leaves the bound');
        this.successorKey(g, node, step.state, step.durable, step.sends, -1, r, c + 1, 0);
        return { kind: ACTION_REQUEST, arg: r * 0x10000 + c };
      }
      case 'timeout': {
        const i = interned.indexOf(action.node);
        if (!this.timers.includes(i)) throw new Error(`synod: node ${action.node} has no timer`);
        const step = steps.local(KIND_TIMEOUT, i, g, 0);
        if (step.pruned) throw new Error('synod: prefix timeout leaves the bound');
        this.successorKey(g, i, step.state, step.durable, step.sends, -1, -1, 0, 0);
        return { kind: ACTION_TIMEOUT, arg: i };
      }
      case 'crash': {
        const i = interned.indexOf(action.node);
        if (g.crashes >= this.model.crashes || !this.crashable.includes(i)) throw new Error(`synod: node ${action.node} may not crash here`);
        this.successorKey(g, i, steps.recovered(i, g.durables[i]!), g.durables[i]!, NONE, -1, -1, 0, 1);
        return { kind: ACTION_CRASH, arg: i };
      }
      default:
        return assertNever(action, 'action');
    }
  }

  /**
   * Rebuilds the run along `path` (stored states from the initial one, each with the action
   * recorded for it; a last step with `at` -1 reaches a state that need not be stored) by
   * replaying its actions from the initial state, and checks that it reaches each stored
   * state. Under symmetry reduction each stored state is a renamed representative and each
   * recorded action is one of its representative's, so the replay keeps the real state and the
   * renaming from it to its representative, and renames every action back before taking it:
   * the trace is a run of the model as it is, which the simulator can replay.
   */
  trace(path: readonly PathStep[], store: StateStore): TraceStep<M, C>[] {
    const t = this.sym;
    const interned = this.interned;
    const steps: TraceStep<M, C>[] = [];
    let real = this.initial();
    this.encode(real);
    let sigma = t === null ? 0 : t.lastPerm;
    /** The first message really sent in this run under each interned id. */
    const sentAs = new Map<number, M>();
    for (const { at, kind, arg } of path) {
      // From the representative's names back to the real ones.
      const back = t === null ? 0 : t.inverse[sigma]!;
      const node = (i: number): number => (t === null ? i : t.perms[back]![i]!);
      const next = emptyGlobal();
      let action: Action<M, C>;
      let step: LocalStep | null;
      let i: number;
      switch (kind) {
        case ACTION_DELIVER: {
          const m = t === null ? arg : t.permMessage(back, arg);
          i = interned.messageTo[m]!;
          step = this.steps.local(KIND_DELIVER, i, real, m);
          action = { type: 'deliver', message: sentAs.get(m) ?? interned.messages.get(m) };
          this.successor(next, real, i, step.state, step.durable, step.sends, lowerBound(real.ids, m), -1, 0, 0, false);
          break;
        }
        case ACTION_REQUEST: {
          const r = arg >>> 16;
          const slot = this.model.requests[r]!;
          i = interned.indexOf(slot.node);
          step = this.steps.local(KIND_REQUEST, i, real, arg);
          action = { type: 'request', node: slot.node, command: slot.choices[arg & 0xffff]! };
          this.successor(next, real, i, step.state, step.durable, step.sends, -1, r, (arg & 0xffff) + 1, 0, false);
          break;
        }
        case ACTION_TIMEOUT: {
          i = node(arg);
          step = this.steps.local(KIND_TIMEOUT, i, real, 0);
          action = { type: 'timeout', node: interned.nodes[i]! };
          this.successor(next, real, i, step.state, step.durable, step.sends, -1, -1, 0, 0, false);
          break;
        }
        case ACTION_CRASH: {
          i = node(arg);
          step = null;
          action = { type: 'crash', node: interned.nodes[i]! };
          this.successor(next, real, i, this.steps.recovered(i, real.durables[i]!), real.durables[i]!, NONE, -1, -1, 0, 1, false);
          break;
        }
        default:
          throw new Error(`synod: state ${at} has no recorded action`);
      }
      steps.push(this.replayed(action, step, real.states[i]!, sentAs));
      real = next;
      this.encode(real);
      if (at >= 0 && !store.matches(at, this.writer)) throw new Error(`synod: replaying the trace does not reach state ${at}; the model is not deterministic or its symmetry is not one`);
      sigma = t === null ? 0 : t.lastPerm;
    }
    return steps;
  }

  /**
   * One step of a trace: the step taken again on the real objects from node state `stateId`,
   * for the messages it really sent (under a message normal form the interned copy may differ
   * from them), each recorded in `sentAs` under its id the first time.
   */
  private replayed(action: Action<M, C>, step: LocalStep | null, stateId: number, sentAs: Map<number, M>): TraceStep<M, C> {
    const sent: M[] = [];
    if (step !== null) {
      const before = this.interned.states.get(stateId);
      const p = this.model.protocol;
      const raw = action.type === 'deliver' ? p.deliver(before, action.message) : action.type === 'request' ? p.request(before, action.command) : p.timeout(before);
      for (const e of raw.effects) {
        const m = p.sent(e);
        if (m === null) continue;
        const id = this.interned.messageId(m);
        if (this.interned.unrecorded[id]) continue;
        sent.push(m);
        if (!sentAs.has(id)) sentAs.set(id, m);
      }
      if (sent.length !== step.sends.length) throw new Error('synod: replaying the trace does not send what the search did');
    }
    const base = { action, sent };
    return step?.ignored === undefined ? base : { ...base, ignored: step.ignored };
  }
}
