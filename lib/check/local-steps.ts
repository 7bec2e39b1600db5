/**
 * Local steps: one node's step on one input, through the protocol's own handler, as ids.
 *
 * The roles are pure, so a local step is a function of (node state, durable record, input).
 * It is memoized by exactly that, as ids (`intern.ts`): expanding a state rarely calls the
 * protocol at all, only a table. The durable record is folded from the step's effects in
 * order (`Protocol.persisted`), so what a node persists is durable before its sends leave, as
 * every driver does. `memoize = false` recomputes every step (a test shows the counts do not
 * change).
 */
import type { Addressed, Protocol } from '../core/protocol';
import type { Global } from './encoding';
import type { Interner } from './intern';
import type { Model } from './model';
import type { Broken, StepProperties } from './obsolete';

/** The inputs of a local step. */
export const KIND_DELIVER = 0;
export const KIND_REQUEST = 1;
export const KIND_TIMEOUT = 2;

/** A memoized local step: the ids it leads to, or `pruned` when it would leave the bound. */
export interface LocalStep {
  readonly pruned: boolean;
  readonly state: number;
  readonly durable: number;
  readonly sends: readonly number[];
  readonly ignored: string | undefined;
  /** True when the step changed neither the state nor the durable record. */
  readonly unchanged: boolean;
  /** The first step property this step breaks, with its findings, or null. */
  readonly broken: Broken | null;
}

/** The memoized steps from one (node state, durable record): deliveries by message id, the rest by input. */
interface StepMemo {
  readonly deliver: (LocalStep | undefined)[];
  readonly other: Map<number, LocalStep>;
}

const PRUNED: LocalStep = { pruned: true, state: -1, durable: -1, sends: [], ignored: undefined, unchanged: false, broken: null };

/** The local steps of one model, memoized by their whole input. */
export class LocalSteps<S, M extends Addressed, E, D, C> {
  /** Exact memoization on (default) or off, for the run under way. */
  memoize = true;
  /** Local steps by node-state id, then durable id, then input. */
  private readonly memo: ((StepMemo | undefined)[] | undefined)[] = [];
  private readonly recoverMemo = new Map<number, number>();

  constructor(
    private readonly model: Model<S, M, E, D, C>,
    private readonly interned: Interner<S, M, E, D, C>,
    readonly properties: StepProperties<S, M, E, D, C>,
  ) {}

  /**
   * One local step of node index `node` in `g`, memoized by its whole input: the node's state
   * and durable record (by id) and the input — a message id (`KIND_DELIVER`), a request slot
   * and choice (`KIND_REQUEST`, slot * 0x10000 + choice) or the timer (`KIND_TIMEOUT`).
   */
  local(kind: number, node: number, g: Global, arg: number): LocalStep {
    const stateId = g.states[node]!;
    const durableId = g.durables[node]!;
    let memo: StepMemo | undefined;
    if (this.memoize) {
      let byDurable = this.memo[stateId];
      if (byDurable === undefined) {
        byDurable = [];
        this.memo[stateId] = byDurable;
      }
      memo = byDurable[durableId];
      if (memo === undefined) {
        memo = { deliver: [], other: new Map() };
        byDurable[durableId] = memo;
      }
      const hit = kind === KIND_DELIVER ? memo.deliver[arg] : memo.other.get(kind === KIND_TIMEOUT ? -1 : arg);
      if (hit !== undefined) return hit;
    }
    const p = this.model.protocol;
    const interned = this.interned;
    const before = interned.states.get(stateId);
    let step: ReturnType<Protocol<S, M, E, D, C>['timeout']>;
    if (kind === KIND_DELIVER) step = p.deliver(before, interned.messages.get(arg));
    else if (kind === KIND_REQUEST) step = p.request(before, this.model.requests[arg >>> 16]!.choices[arg & 0xffff]!);
    else step = p.timeout(before);
    let result: LocalStep;
    if (this.model.within !== undefined && !this.model.within(step.state)) {
      result = PRUNED;
    } else {
      let durable = interned.durables.get(durableId);
      const sends: number[] = [];
      for (const effect of step.effects) {
        durable = p.persisted(durable, effect);
        const m = p.sent(effect);
        if (m === null) continue;
        const id = interned.messageId(m);
        if (!interned.unrecorded[id]) sends.push(id);
      }
      const state = interned.states.id(step.state);
      const durableAfter = interned.durables.id(durable);
      const broken = this.properties.broken(before, step.state, step.effects);
      result = { pruned: false, state, durable: durableAfter, sends, ignored: step.ignored, unchanged: state === stateId && durableAfter === durableId, broken };
    }
    if (memo !== undefined) {
      if (kind === KIND_DELIVER) memo.deliver[arg] = result;
      else memo.other.set(kind === KIND_TIMEOUT ? -1 : arg, result);
    }
    return result;
  }

  /** The state id of node index `node` restarted from durable record `durableId` (memoized). */
  recovered(node: number, durableId: number): number {
    const key = node * 0x100000 + durableId;
    const hit = this.memoize ? this.recoverMemo.get(key) : undefined;
    if (hit !== undefined) return hit;
    const interned = this.interned;
    const id = interned.states.id(this.model.protocol.recover(interned.nodes[node]!, interned.durables.get(durableId)));
    if (this.memoize) this.recoverMemo.set(key, id);
    return id;
  }
}
