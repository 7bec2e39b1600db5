/**
 * The key-value store: get, put, delete, compare-and-set, behind the replica's sessions.
 */
import type { HashMap } from '../core/hashmap';
import { assoc, dissoc, emptyMap, lookup, MapEditor } from '../core/hashmap';
import type { StateMachine } from './replica';
import { unknownOp } from './replica';

export type KvValue = string | number;

export type KvOp =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: KvValue }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'cas'; readonly key: string; readonly expect: KvValue | null; readonly value: KvValue };

/** `value` is the key's value before the command (null when absent); `ok` is false only for a failed cas. */
export interface KvResult {
  readonly ok: boolean;
  readonly value: KvValue | null;
}

/** Key -> value, as a persistent hash map; `toObject` (./hashmap.ts) gives a plain object. */
export type KvState = HashMap<KvValue>;

export const kvStore: StateMachine<KvState, KvOp, KvResult> = {
  name: 'kv',
  init: () => emptyMap(),
  apply(state, op) {
    const before = lookup(state, op.key) ?? null;
    switch (op.type) {
      case 'get':
        return { state, result: { ok: true, value: before } };
      case 'put':
        return { state: assoc(state, op.key, op.value), result: { ok: true, value: before } };
      case 'delete':
        return { state: dissoc(state, op.key), result: { ok: true, value: before } };
      case 'cas':
        if (before !== op.expect) return { state, result: { ok: false, value: before } };
        return { state: assoc(state, op.key, op.value), result: { ok: true, value: before } };
      default:
        return unknownOp(op);
    }
  },
  applyAll(state, ops) {
    const map = new MapEditor(state);
    const results = ops.map((op): KvResult => {
      const before = map.get(op.key) ?? null;
      switch (op.type) {
        case 'get':
          return { ok: true, value: before };
        case 'put':
          map.set(op.key, op.value);
          return { ok: true, value: before };
        case 'delete':
          map.delete(op.key);
          return { ok: true, value: before };
        case 'cas':
          if (before !== op.expect) return { ok: false, value: before };
          map.set(op.key, op.value);
          return { ok: true, value: before };
        default:
          return unknownOp(op);
      }
    });
    return { state: map.done(), results };
  },
};
