/**
 * The simulator's agenda: a binary min-heap of pending events keyed by one number.
 *
 * A key is `tick * 2^32 + tiebreak`: events happen in tick order, and within a tick in the
 * order of the tiebreak, which the simulator draws from the seed (so a tick's messages arrive
 * in a random but replayable order) or takes from a counter (FIFO). Equal keys leave the heap
 * in an order fixed by the sequence of pushes and pops, which the seed also fixes, so a run is
 * deterministic either way. Ticks stay below 2^21 so keys are exact doubles.
 */
export const TICK = 0x1_0000_0000;

/** The last tick a key can hold exactly. */
export const MAX_TICK = 2 ** 20;

export class EventQueue<T> {
  private keys: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, item: T): void {
    const keys = this.keys;
    const items = this.items;
    let i = keys.length;
    keys.push(key);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent]!;
      if (pk <= key) break;
      keys[i] = pk;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.keys.length === 0 ? Infinity : this.keys[0]!;
  }

  /** Removes and returns the item with the smallest key; throws when empty. */
  pop(): T {
    const keys = this.keys;
    const items = this.items;
    const top = items[0];
    if (top === undefined) throw new Error('synod: pop from an empty event queue');
    const lastKey = keys.pop()!;
    const lastItem = items.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && keys[right]! < keys[left]! ? right : left;
        if (keys[child]! >= lastKey) break;
        keys[i] = keys[child]!;
        items[i] = items[child]!;
        i = child;
      }
      keys[i] = lastKey;
      items[i] = lastItem;
    }
    return top;
  }
}
