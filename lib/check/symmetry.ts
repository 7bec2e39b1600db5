/**
 * Symmetry reduction (`Model.symmetry`): the listed nodes are interchangeable, so the checker
 * stores one canonical representative per class of states equal up to a renaming of them.
 *
 * The representative is the smallest fingerprint over the renamings that order the symmetric
 * nodes by a label of their own (state, durable record), ties broken by a signature of the
 * messages each sent or is sent. Renamed ids and labels are memoized per permutation as met.
 * In the set network a successor's canonical fingerprint is written from the state being
 * expanded plus what the step changed (`writeSetSuccessorCanonical`): the hottest path of a
 * symmetric run. `lastPerm` says which renaming the last fingerprint was written under, so a
 * trace can rename each action back to the real run.
 */
import type { Addressed } from '../core/protocol';
import type { NodeId } from '../core/types';
import type { Encoding, Global } from './encoding';
import { successorNodes } from './encoding';
import type { Interner } from './intern';
import type { Model, Symmetry } from './model';
import { compareBytes, EMPTY, fmix32, Writer } from './state-store';

/** The canonical representatives of one model's symmetry, and the tables that make them cheap. */
export class SymmetryReduction<S, M extends Addressed, E, D, C> {
  /** Node indices of the symmetric nodes, ascending. */
  readonly positions: readonly number[];
  /** `perms[p][i]`: where node index i goes under permutation p (0 is the identity). */
  readonly perms: readonly (readonly number[])[];
  /** `inverse[p]`: the index of the inverse permutation. */
  readonly inverse: readonly number[];
  private readonly renames: readonly ((n: NodeId) => NodeId)[];
  /** Per permutation: interned id to renamed interned id, filled as met. */
  private readonly states: (number | undefined)[][];
  private readonly durables: (number | undefined)[][];
  private readonly messages: (number | undefined)[][];
  /** Per symmetric position: a state or durable id's label there. */
  private readonly stateLabels: (number | undefined)[][];
  private readonly durableLabels: (number | undefined)[][];
  /** The successor being canonicalized. */
  private readonly scratch: Global;
  /** Work arrays: labels by node index; the history renamed; its order. */
  private readonly labels: number[];
  private readonly signatures: number[];
  /** The state being expanded, its nodes' signatures, and its history renamed by each permutation (as met). */
  private base: Global | null = null;
  private readonly baseSignatures: number[];
  private readonly baseLabels: number[];
  private readonly baseBits: (Uint8Array | null)[];
  /** Work arrays: a step's messages new to the network; `extra[n]` holds n of them renamed. */
  private readonly fresh: number[] = [];
  private readonly extra: number[][] = [];
  /** By node index: its index in `positions`, or -1. */
  private readonly positionOf: readonly number[];
  /** Per symmetric position: a message id's label there. */
  private readonly messageLabels: (number | undefined)[][];
  private readonly mapped: number[] = [];
  private readonly order: number[] = [];
  private readonly multiset: boolean;
  /** Where candidates other than the first are written, to be compared with the writer's. */
  private readonly spare: Writer;
  /** The renaming the last canonical fingerprint was written under (an index into `perms`). */
  lastPerm = 0;

  /**
   * Every permutation of the symmetric nodes, as maps of node indices, and empty memo tables.
   * Refuses a symmetry the model breaks in what the checker can see (client commands, timers,
   * crashes, nodes down). Canonical fingerprints are written into `writer`.
   */
  constructor(
    private readonly symmetry: Symmetry<S, M, D>,
    model: Model<S, M, E, D, C>,
    private readonly interned: Interner<S, M, E, D, C>,
    private readonly encoding: Encoding,
    private readonly writer: Writer,
    timers: readonly number[],
    crashable: readonly number[],
  ) {
    const nodes = interned.nodes;
    const positions = [...new Set(symmetry.nodes.map((n) => interned.indexOf(n)))].sort((a, b) => a - b);
    if (positions.length < 2) throw new Error('synod: a symmetry needs at least two nodes');
    if (positions.length > 6) throw new Error('synod: a symmetry of more than 6 nodes would try too many renamings');
    const inSym = new Set(positions);
    for (const slot of model.requests) {
      if (slot.when !== undefined) throw new Error('synod: a request that depends on the run (`when`) is not supported with symmetry reduction');
      if (inSym.has(interned.indexOf(slot.node))) throw new Error(`synod: node ${slot.node} is handed client commands, so it is not interchangeable`);
    }
    const alike = (set: readonly number[], what: string): void => {
      const n = positions.filter((i) => set.includes(i)).length;
      if (n !== 0 && n !== positions.length) throw new Error(`synod: the symmetric nodes differ in ${what}`);
    };
    alike(timers, 'timers');
    alike(crashable, 'who may crash');
    alike([...interned.down], 'who is down');
    const perms: number[][] = [];
    const permute = (prefix: number[], rest: number[]): void => {
      if (rest.length === 0) {
        const to = nodes.map((_, i) => i);
        positions.forEach((from, k) => (to[from] = prefix[k]!));
        perms.push(to);
        return;
      }
      rest.forEach((x, k) => permute([...prefix, x], [...rest.slice(0, k), ...rest.slice(k + 1)]));
    };
    permute([], positions);
    this.positions = positions;
    this.perms = perms;
    // The inverse of each permutation, as the index of the permutation that undoes it.
    this.inverse = perms.map((to) => perms.findIndex((back) => to.every((t, i) => back[t] === i)));
    this.renames = perms.map((to) => {
      const map = new Map<NodeId, NodeId>();
      to.forEach((t, i) => map.set(nodes[i]!, nodes[t]!));
      return (n: NodeId): NodeId => map.get(n) ?? n;
    });
    this.states = perms.map(() => []);
    this.durables = perms.map(() => []);
    this.messages = perms.map(() => []);
    this.stateLabels = positions.map(() => []);
    this.durableLabels = positions.map(() => []);
    this.scratch = { crashes: 0, asked: model.requests.map(() => 0), states: nodes.map(() => 0), durables: nodes.map(() => 0), bits: EMPTY, ids: [], counts: [] };
    this.labels = nodes.map(() => 0);
    this.baseSignatures = nodes.map(() => 0);
    this.baseLabels = nodes.map(() => 0);
    this.baseBits = perms.map(() => null);
    this.signatures = nodes.map(() => 0);
    this.positionOf = nodes.map((_, i) => positions.indexOf(i));
    this.messageLabels = positions.map(() => []);
    this.multiset = model.network === 'multiset';
    this.spare = new Writer();
  }

  /** The id of node state `id` renamed by permutation `p`. */
  private permState(p: number, id: number): number {
    return renamedId(this.states[p]!, p, id, () => this.interned.states.id(this.symmetry.state(this.interned.states.get(id), this.renames[p]!)));
  }

  private permDurable(p: number, id: number): number {
    return renamedId(this.durables[p]!, p, id, () => this.interned.durables.id(this.symmetry.durable(this.interned.durables.get(id), this.renames[p]!)));
  }

  /** The id of message `id` renamed by permutation `p`. */
  permMessage(p: number, id: number): number {
    return renamedId(this.messages[p]!, p, id, () => this.interned.messageId(this.symmetry.message(this.interned.messages.get(id), this.renames[p]!)));
  }

  /** The smallest `f(p)` over the permutations `p` that move symmetric position `k` to the first. */
  private smallestFrom(k: number, f: (p: number) => number): number {
    const first = this.positions[0]!;
    const from = this.positions[k]!;
    let min = Number.POSITIVE_INFINITY;
    for (let p = 0; p < this.perms.length; p += 1) if (this.perms[p]![from] === first) min = Math.min(min, f(p));
    return min;
  }

  /**
   * A label of a node's (state, durable) that does not depend on where the node sits: the
   * smallest id of it renamed by any permutation that moves it to the first symmetric position.
   * States in one class have the same labels, position by position after the renaming.
   */
  private label(k: number, state: number, durable: number): number {
    const sl = (this.stateLabels[k]![state] ??= this.smallestFrom(k, (p) => this.permState(p, state)));
    const dl = (this.durableLabels[k]![durable] ??= this.smallestFrom(k, (p) => this.permDurable(p, durable)));
    if (dl >= 0x100000) throw new Error('synod: more than 2^20 durable records; the symmetry labels support fewer');
    return sl * 0x100000 + dl;
  }

  /** A message's label as seen from symmetric position k, as `label` does for states. */
  private messageLabel(k: number, m: number): number {
    return (this.messageLabels[k]![m] ??= this.smallestFrom(k, (p) => this.permMessage(p, m)));
  }

  /**
   * Writes into the writer the canonical fingerprint of the successor that
   * `Encoding.writeSuccessor` describes (the same arguments), without building it in the set
   * network: the hot path of symmetry reduction.
   */
  writeSuccessorCanonical(g: Global, node: number, state: number, durable: number, sends: readonly number[], removed: readonly number[], consumed: number, slot: number, choice: number, crashed: number): void {
    const sc = this.scratch;
    if (this.multiset) {
      // The multiset network: build the successor as data, then choose its representative.
      this.encoding.materialize(sc, g, node, state, durable, sends, removed, consumed, slot, choice, crashed);
      this.writeCanonical(sc);
      return;
    }
    successorNodes(sc, g, node, state, durable, slot, choice, crashed);
    this.writeSetSuccessorCanonical(g, sends, removed);
  }

  /**
   * The set model's fast path: the successor's network is `g`'s plus `sends`, so the parts
   * that depend on `g`'s network alone (each node's message signature, and `g`'s history
   * renamed by each permutation) are computed once per expanded state and reused by all its
   * successors; a successor adds only what its new messages change.
   */
  private writeSetSuccessorCanonical(g: Global, sends: readonly number[], removed: readonly number[]): void {
    const sc = this.scratch;
    if (this.base !== g) {
      this.base = g;
      this.signaturesOf(g.ids, null, this.baseSignatures);
      for (let k = 0; k < this.positions.length; k += 1) {
        const i = this.positions[k]!;
        this.baseLabels[i] = this.label(k, g.states[i]!, g.durables[i]!);
      }
      this.baseBits.fill(null);
    }
    // The step's messages new to the network, each once, renamed below by each permutation.
    const fresh = this.fresh;
    let freshCount = 0;
    for (const m of sends) {
      if (((g.bits[m >> 3] ?? 0) & (1 << (m & 7))) !== 0) continue;
      let seen = false;
      for (let x = 0; x < freshCount; x += 1) if (fresh[x] === m) seen = true;
      if (!seen) fresh[freshCount++] = m;
    }
    const labels = this.labels;
    const signatures = this.signatures;
    for (let k = 0; k < this.positions.length; k += 1) {
      const i = this.positions[k]!;
      // Only the node that stepped can have a new label.
      labels[i] = sc.states[i] === g.states[i] && sc.durables[i] === g.durables[i] ? this.baseLabels[i]! : this.label(k, sc.states[i]!, sc.durables[i]!);
      signatures[i] = this.baseSignatures[i]!;
    }
    for (let x = 0; x < freshCount; x += 1) this.addSignature(fresh[x]!, 0, signatures);
    for (const m of removed) this.addSignature(m, 0, signatures, -1);
    let bestPerm = -1;
    for (let p = 0; p < this.perms.length; p += 1) {
      const w = this.candidate(p, bestPerm, sc);
      if (w === null) continue;
      let bits = this.baseBits[p];
      if (bits === null || bits === undefined) {
        const mapped = g.ids.map((m) => this.messages[p]![m] ?? this.permMessage(p, m));
        bits = new Uint8Array(mapped.reduce((x, m) => Math.max(x, (m >> 3) + 1), 0));
        for (const m of mapped) bits[m >> 3]! |= 1 << (m & 7);
        this.baseBits[p] = bits;
      }
      const extra = (this.extra[freshCount] ??= new Array<number>(freshCount).fill(0));
      const map = this.messages[p]!;
      for (let j = 0; j < freshCount; j += 1) extra[j] = map[fresh[j]!] ?? this.permMessage(p, fresh[j]!);
      if (removed.length === 0) w.bitset(bits, extra);
      else w.bitset(bits, extra, removed.map((m) => map[m] ?? this.permMessage(p, m)));
      bestPerm = this.keepSmaller(p, bestPerm);
    }
    this.lastPerm = bestPerm;
  }

  /** Adds message `m` (with `copies` in flight, multiset) to the signatures of its symmetric ends. */
  private addSignature(m: number, copies: number, signatures: number[], sign = 1): void {
    for (let e = 2 * m; e < 2 * m + 2; e += 1) {
      const i = this.interned.messageEnds[e]!;
      const k = i < 0 ? -1 : this.positionOf[i]!;
      if (k < 0) continue;
      signatures[i] = (signatures[i]! + sign * mix32(this.messageLabel(k, m) * 64 + Math.min(copies, 63) + (e & 1) * 0x40000000)) | 0;
    }
  }

  /** The signatures of the symmetric nodes over a history (`counts`: copies, multiset). */
  private signaturesOf(ids: readonly number[], counts: readonly number[] | null, out: number[]): void {
    for (const i of this.positions) out[i] = 0;
    for (let j = 0; j < ids.length; j += 1) this.addSignature(ids[j]!, counts === null ? 0 : counts[j]!, out);
  }

  /** True when permutation `p` puts the symmetric nodes in the order of their labels. */
  private ordered(p: number): boolean {
    const back = this.perms[this.inverse[p]!]!;
    const positions = this.positions;
    const labels = this.labels;
    const signatures = this.signatures;
    for (let k = 1; k < positions.length; k += 1) {
      const a = back[positions[k - 1]!]!;
      const b = back[positions[k]!]!;
      if (labels[a]! > labels[b]! || (labels[a] === labels[b] && signatures[a]! > signatures[b]!)) return false;
    }
    return true;
  }

  /** Writes crashes, what was asked, and the node states renamed by `p`, into `w` (reset first). */
  private writeNodes(p: number, g: Global, w: Writer): void {
    const back = this.perms[this.inverse[p]!]!;
    w.reset();
    w.varint(g.crashes);
    for (const a of g.asked) w.varint(a);
    const stateMap = this.states[p]!;
    const durableMap = this.durables[p]!;
    for (let q = 0; q < g.states.length; q += 1) {
      const i = back[q]!;
      w.varint(stateMap[g.states[i]!] ?? this.permState(p, g.states[i]!));
      w.varint(durableMap[g.durables[i]!] ?? this.permDurable(p, g.durables[i]!));
    }
  }

  /**
   * Writes the canonical fingerprint of `g` into the writer: over the permutations that put
   * the symmetric nodes in order of their labels, the smallest fingerprint of `g` renamed.
   * Records the permutation used in `lastPerm`.
   */
  writeCanonical(g: Global): void {
    // Each symmetric node's label: its own state and record, then (to break most ties) a sum
    // of hashes of the labels of the messages it sent or is sent, each as seen from the node.
    const multiset = this.multiset;
    for (let k = 0; k < this.positions.length; k += 1) {
      const i = this.positions[k]!;
      this.labels[i] = this.label(k, g.states[i]!, g.durables[i]!);
    }
    this.signaturesOf(g.ids, multiset ? g.counts : null, this.signatures);
    let bestPerm = -1;
    for (let p = 0; p < this.perms.length; p += 1) {
      const w = this.candidate(p, bestPerm, g);
      if (w === null) continue;
      const map = this.messages[p]!;
      const mapped = this.mapped;
      mapped.length = g.ids.length;
      for (let j = 0; j < g.ids.length; j += 1) mapped[j] = map[g.ids[j]!] ?? this.permMessage(p, g.ids[j]!);
      if (!multiset) {
        w.bitset(EMPTY, mapped);
      } else {
        const order = this.order;
        order.length = g.ids.length;
        for (let j = 0; j < order.length; j += 1) order[j] = j;
        if (p !== 0) order.sort((x, y) => mapped[x]! - mapped[y]!);
        w.sizedBitset(EMPTY, mapped);
        for (const j of order) w.varint(g.counts[j]!);
      }
      bestPerm = this.keepSmaller(p, bestPerm);
    }
    this.lastPerm = bestPerm;
  }

  /**
   * Candidate `p` (when it orders the symmetric nodes by their labels) with `g`'s nodes written,
   * renamed by `p`: into the writer when it is the first candidate (`bestPerm` < 0), else into
   * `spare`, where `keepSmaller` compares it with the writer's. Null when `p` is no candidate.
   */
  private candidate(p: number, bestPerm: number, g: Global): Writer | null {
    if (!this.ordered(p)) return null;
    const w = bestPerm < 0 ? this.writer : this.spare;
    this.writeNodes(p, g, w);
    return w;
  }

  /**
   * After candidate `p` is written (into the writer when it is the first, else into `spare`):
   * keeps the smaller fingerprint in the writer, and returns the permutation it came from.
   */
  private keepSmaller(p: number, bestPerm: number): number {
    if (bestPerm < 0) return p;
    if (compareBytes(this.spare, this.writer) >= 0) return bestPerm;
    this.writer.reset();
    this.writer.bytes(this.spare);
    return p;
  }
}

/** `table[id]`, computed by `compute` when missing; permutation 0 is the identity. */
function renamedId(table: (number | undefined)[], p: number, id: number, compute: () => number): number {
  return (table[id] ??= p === 0 ? id : compute());
}

/** A 32-bit mix of a non-negative number below 2^53. */
function mix32(x: number): number {
  return fmix32((x | 0) ^ Math.floor(x / 0x100000000));
}
