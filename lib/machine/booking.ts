/**
 * The Harbor Point booking authority: a suite is held by at most one booking at a time.
 */
import type { StateMachine } from './replica';
import { unknownOp } from './replica';

export type BookingOp =
  | { readonly type: 'reserve'; readonly suite: string; readonly booking: string }
  | { readonly type: 'confirm'; readonly suite: string; readonly booking: string }
  | { readonly type: 'release'; readonly suite: string; readonly booking: string };

export interface Hold {
  readonly booking: string;
  readonly status: 'reserved' | 'confirmed';
}

export type BookingState = Readonly<Record<string, Hold>>;

export type BookingResult =
  | { readonly ok: true; readonly suite: string; readonly booking: string; readonly status: 'reserved' | 'confirmed' | 'released' }
  | { readonly ok: false; readonly suite: string; readonly reason: string };

export const bookingAuthority: StateMachine<BookingState, BookingOp, BookingResult> = {
  name: 'booking',
  init: () => ({}),
  apply(state, op) {
    const hold = state[op.suite];
    const refuse = (reason: string) => ({ state, result: { ok: false as const, suite: op.suite, reason } });
    switch (op.type) {
      case 'reserve':
        if (hold !== undefined) return refuse(`suite ${op.suite} is already ${hold.status} for booking ${hold.booking}`);
        return {
          state: { ...state, [op.suite]: { booking: op.booking, status: 'reserved' } },
          result: { ok: true, suite: op.suite, booking: op.booking, status: 'reserved' },
        };
      case 'confirm':
        if (hold === undefined || hold.booking !== op.booking) {
          return refuse(`suite ${op.suite} is not reserved for booking ${op.booking}`);
        }
        return {
          state: { ...state, [op.suite]: { booking: op.booking, status: 'confirmed' } },
          result: { ok: true, suite: op.suite, booking: op.booking, status: 'confirmed' },
        };
      case 'release': {
        if (hold === undefined || hold.booking !== op.booking) {
          return refuse(`suite ${op.suite} is not held by booking ${op.booking}`);
        }
        const next: Record<string, Hold> = { ...state };
        delete next[op.suite];
        return { state: next, result: { ok: true, suite: op.suite, booking: op.booking, status: 'released' } };
      }
      default:
        return unknownOp(op);
    }
  },
};
