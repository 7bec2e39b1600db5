/**
 * Randomness for the protocol core, as data. Election timeouts must differ between nodes (so
 * that two candidates rarely split the vote forever), but the step function must stay pure:
 * the generator's whole state is one 32-bit number kept in the node's state, and drawing a
 * number returns the next state with it. The function is SplitMix32 (the 32-bit variant of
 * Steele, Lea and Flood's SplitMix): add the golden-ratio constant, then mix with two
 * multiply-xorshift rounds. The same seed gives the same timeouts, so a run replays exactly.
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
