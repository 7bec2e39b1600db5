/**
 * The Harbor Point store: the key-value store and the booking authority as one replicated
 * machine, the state machine a real synod node runs. Their operations' `type` fields are
 * disjoint (get, put, delete, cas; reserve, confirm, release), so each operation goes to the
 * machine that owns it and the other half of the state is left as it is.
 */
import type { BookingOp, BookingResult, BookingState } from './booking';
import { bookingAuthority } from './booking';
import type { KvOp, KvResult, KvState } from './kv';
import { kvStore } from './kv';
import type { StateMachine } from './replica';
import { unknownOp } from './replica';

export type HarborOp = KvOp | BookingOp;
export type HarborResult = KvResult | BookingResult;

export interface HarborState {
  readonly kv: KvState;
  readonly bookings: BookingState;
}

/** True for the operations of the key-value half. */
export function isKvOp(op: HarborOp): op is KvOp {
  switch (op.type) {
    case 'get':
    case 'put':
    case 'delete':
    case 'cas':
      return true;
    case 'reserve':
    case 'confirm':
    case 'release':
      return false;
    default:
      return unknownOp(op);
  }
}

export const harborStore: StateMachine<HarborState, HarborOp, HarborResult> = {
  name: 'harbor',
  init: () => ({ kv: kvStore.init(), bookings: bookingAuthority.init() }),
  apply(state, op) {
    if (isKvOp(op)) {
      const next = kvStore.apply(state.kv, op);
      return { state: next.state === state.kv ? state : { ...state, kv: next.state }, result: next.result };
    }
    const next = bookingAuthority.apply(state.bookings, op);
    return { state: next.state === state.bookings ? state : { ...state, bookings: next.state }, result: next.result };
  },
};
