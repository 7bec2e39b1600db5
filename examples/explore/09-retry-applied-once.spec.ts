/**
 * Experiment 9 (docs/exploring.md): a client retry is applied once.
 * Question: terminal A heard nothing and sends the same command again (same client, same
 * sequence number). The log may now hold it twice. Does suite S12 get booked twice?
 */
import { expect } from 'chai';
import type { BookingOp, Command } from '../../lib/index';
import { applyBatch, applyCommand, bookingAuthority, initReplica } from '../../lib/index';

describe('explore 9: a retried command is applied once', () => {
  const reserveA: Command<BookingOp> = { client: 'terminal-a', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8841' } };
  const reserveB: Command<BookingOp> = { client: 'terminal-b', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8849' } };

  it('the retry is answered with the first result, and the state does not change', () => {
    const first = applyCommand(bookingAuthority, initReplica(bookingAuthority), reserveA);
    expect(first.applied).to.deep.equal({ outcome: 'applied', result: { ok: true, suite: 'S12', booking: '#8841', status: 'reserved' } });
    const retry = applyCommand(bookingAuthority, first.replica, reserveA);
    expect(retry.applied).to.deep.equal({ outcome: 'duplicate', result: { ok: true, suite: 'S12', booking: '#8841', status: 'reserved' } });
    expect(retry.replica.machine).to.deep.equal(first.replica.machine);
  });

  it('in one slot with the rival booking between them: #8841 holds S12, #8849 is refused, the retry changes nothing', () => {
    const slot = applyBatch(bookingAuthority, initReplica(bookingAuthority), [reserveA, reserveB, reserveA]);
    expect(slot.applied.map((a) => a.outcome)).to.deep.equal(['applied', 'applied', 'duplicate']);
    expect(slot.applied[1]).to.deep.equal({ outcome: 'applied', result: { ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking #8841' } });
    expect(slot.replica.machine['S12']).to.deep.equal({ booking: '#8841', status: 'reserved' });
  });

  it('an older command of a session that moved on is stale: not applied, not answered', () => {
    const next: Command<BookingOp> = { client: 'terminal-a', seq: 2, op: { type: 'confirm', suite: 'S12', booking: '#8841' } };
    const both = applyBatch(bookingAuthority, initReplica(bookingAuthority), [reserveA, next]);
    const late = applyCommand(bookingAuthority, both.replica, reserveA);
    expect(late.applied).to.deep.equal({ outcome: 'stale' });
    expect(late.replica.machine['S12']?.status).to.equal('confirmed');
  });
});
