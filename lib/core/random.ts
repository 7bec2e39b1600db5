/**
 * Randomness for the protocol core, as data. Election timeouts must differ between nodes (so
 * that two candidates rarely split the vote forever), but the step function must stay pure:
 * the generator's whole state is one 32-bit number kept in the node's state, and drawing a
 * number returns the next state with it. The function is SplitMix32 (the 32-bit variant of
 * Steele, Lea and Flood's SplitMix): add the golden-ratio constant, then mix with two
 * multiply-xorshift rounds. The same seed gives the same timeouts, so a run replays exactly.
 *
 * Drivers (the simulator, the scripted cluster's schedules) use the same generator through the
 * `Random` class, whose whole state is also one number, so a run is replayed from its seed.
 */

export interface Draw {
  /** A uniform 32-bit unsigned integer. */
  readonly value: number;
  /** The generator's next state. */
  readonly state: number;
}

/** One SplitMix32 step. */
export function splitmix32(state: number): Draw {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return { value: (z ^ (z >>> 16)) >>> 0, state: next };
}

/** An integer in [min, max] and the generator's next state. */
export function drawBetween(state: number, min: number, max: number): Draw {
  const d = splitmix32(state);
  return { value: min + (d.value % (max - min + 1)), state: d.state };
}

/** A node's starting generator state: the cluster's seed mixed with the node id. */
export function seedFor(seed: number, node: number): number {
  return splitmix32((seed ^ Math.imul(node, 0x27d4eb2f)) >>> 0).value;
}

/** The same generator as a small mutable object, for drivers (never for the protocol core). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const draw = splitmix32(this.state);
    this.state = draw.state;
    return draw.value;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('synod: cannot pick from an empty list');
    return item;
  }
}
