/**
 * Obsolete-message removal (`Model.obsolete`, set network only), and the step properties that
 * justify removing a message a property reads (`Model.settled`, `Model.steps`).
 *
 * A message is obsolete when its recipient, in its present state and every state it can reach,
 * ignores it. The checker removes it from the network then (`obsoleted`), or never adds it when
 * it is obsolete on arrival (`liveSends`), so that states differing only in messages nobody can
 * act on are one state. At each first use it checks what it can of the model's claim: the
 * delivery is a no-op in that state, and no property reads the message unless the model says
 * why the verdict on it is settled. A settled message is then an argument resting on the step
 * properties, which `StepProperties` checks on every step the search takes.
 */
import type { Addressed } from '../core/protocol';
import { canonicalKey } from './canonical';
import type { Global } from './encoding';
import type { Interner } from './intern';
import type { Finding, Model } from './model';
import { NONE } from './state-store';

/** A property that broke, and what it found. */
export interface Broken {
  readonly property: string;
  readonly findings: readonly Finding[];
}

/** Which messages are obsolete for which recipient states (memoized, and checked). */
export class ObsoleteMessages<S, M extends Addressed, E, D, C> {
  /** `obsolete` results by recipient state id, then message id: 1 live, 2 obsolete. */
  private readonly memo: (number[] | undefined)[] = [];

  constructor(
    private readonly model: Model<S, M, E, D, C>,
    private readonly obsolete: (m: M, recipient: S) => boolean,
    private readonly interned: Interner<S, M, E, D, C>,
  ) {}

  /** Whether message `m` is obsolete for a recipient in state `stateId`. */
  isObsolete(m: number, stateId: number): boolean {
    let row = this.memo[stateId];
    if (row === undefined) {
      row = [];
      this.memo[stateId] = row;
    }
    let r = row[m];
    if (r === undefined) {
      const message = this.interned.messages.get(m);
      const state = this.interned.states.get(stateId);
      r = this.obsolete(message, state) ? 2 : 1;
      if (r === 2) {
        if (this.interned.read[m] === true && this.model.settled?.(message) !== true) {
          throw new Error(`synod: the model calls a message obsolete that a property reads: ${canonicalKey(message)}`);
        }
        const step = this.model.protocol.deliver(state, message);
        if (step.effects.some((e) => this.model.protocol.sent(e) !== null) || this.interned.states.id(step.state) !== stateId) {
          throw new Error(`synod: the model calls a message obsolete whose delivery is not a no-op: ${canonicalKey(message)}`);
        }
      }
      row[m] = r;
    }
    return r === 2;
  }

  /**
   * Whether message `m` is obsolete on arrival in `g` (its recipient's state there), and no
   * property reads it: adding it to the network adds nothing.
   */
  droppedOnArrival(g: Global, m: number): boolean {
    const r = this.interned.messageEnds[2 * m + 1]!;
    return r >= 0 && !this.interned.read[m]! && this.isObsolete(m, g.states[r]!);
  }

  /** What the last `reduce` removed from the network. */
  removed: readonly number[] = NONE;

  /**
   * A step's effect on the network, reduced: returns `sends` without the messages obsolete on
   * arrival (see `liveSends`) and leaves in `removed` the messages of `g` the step made
   * obsolete (see `obsoleted`); `node` is now in `state`.
   */
  reduce(g: Global, node: number, state: number, sends: readonly number[], keepRead: boolean): readonly number[] {
    const live = this.liveSends(g, node, state, sends, keepRead);
    this.removed = this.obsoleted(g, node, state);
    return live;
  }

  /**
   * `sends` without the messages obsolete on arrival (`node` is now in `state`); with `keepRead`,
   * messages a property reads are kept (to build the successor `Visitor.unreduced` checks).
   */
  private liveSends(g: Global, node: number, state: number, sends: readonly number[], keepRead: boolean): readonly number[] {
    let live: number[] | null = null;
    const ends = this.interned.messageEnds;
    const read = this.interned.read;
    for (let k = 0; k < sends.length; k += 1) {
      const m = sends[k]!;
      const r = ends[2 * m + 1]!;
      const dead = r >= 0 && !(keepRead && read[m]!) && this.isObsolete(m, r === node ? state : g.states[r]!);
      if (dead && live === null) live = sends.slice(0, k);
      else if (!dead && live !== null) live.push(m);
    }
    return live ?? sends;
  }

  /** The messages of `g` to `node` that its new state `state` makes obsolete. */
  private obsoleted(g: Global, node: number, state: number): readonly number[] {
    if (state === g.states[node]) return NONE;
    let out: number[] | null = null;
    const ends = this.interned.messageEnds;
    for (const m of g.ids) {
      if (ends[2 * m + 1] !== node || !this.isObsolete(m, state)) continue;
      (out ??= []).push(m);
    }
    return out ?? NONE;
  }

  /** Whether a message a property reads is in `stepSends` but not in `live` (see `liveSends`). */
  droppedRead(stepSends: readonly number[], live: readonly number[]): boolean {
    if (live === stepSends) return false;
    const read = this.interned.read;
    for (const m of stepSends) if (read[m]! && !live.includes(m)) return true;
    return false;
  }
}

/** The model's step properties (`Model.steps`), checked on steps and crashes. */
export class StepProperties<S, M extends Addressed, E, D, C> {
  /** Step properties of crashes, by (state, recovered state). */
  private readonly crashMemo = new Map<number, Broken | null>();

  constructor(
    private readonly model: Model<S, M, E, D, C>,
    private readonly interned: Interner<S, M, E, D, C>,
  ) {}

  /** The first step property broken by a step from `before` to `after` with these effects, or null. */
  broken(before: S, after: S, effects: readonly E[]): Broken | null {
    const steps = this.model.steps;
    if (steps === undefined || steps.length === 0) return null;
    const sent: M[] = [];
    for (const e of effects) {
      const m = this.model.protocol.sent(e);
      if (m !== null) sent.push(m);
    }
    for (const p of steps) {
      const findings = p.check(before, after, sent);
      if (findings.length > 0) return { property: p.name, findings };
    }
    return null;
  }

  /** The step property a crash of a node in state `stateId` that recovers as `recoveredId` breaks, or null (memoized). */
  brokenByCrash(stateId: number, recoveredId: number): Broken | null {
    if (this.model.steps === undefined) return null;
    if (recoveredId >= 0x4000000) throw new Error('synod: more than 2^26 node states; the crash memo supports fewer');
    const key = stateId * 0x4000000 + recoveredId;
    let hit = this.crashMemo.get(key);
    if (hit === undefined) {
      hit = this.broken(this.interned.states.get(stateId), this.interned.states.get(recoveredId), []);
      this.crashMemo.set(key, hit);
    }
    return hit;
  }
}
