/** lib/cli/progress.ts: nothing for a short run; a status line every `every` ms on stderr when it is not a terminal. */
import { expect } from 'chai';
import { progress } from '../../lib/cli/progress';

describe('lib/cli/progress', () => {
  it('prints nothing in the first 2 s, then one status line, then one every 10 s', () => {
    let err = '';
    let now = 0;
    const p = progress({ out: () => undefined, err: (t) => { err += t; } }, 'sim single-decree', { tty: false, clock: () => now });
    p.update(10, 100);
    now = 1999;
    p.update(20, 100);
    expect(err).to.equal('');
    now = 2000;
    p.update(30, 100, '1 failing');
    now = 5000;
    p.update(40, 100);
    now = 12_000;
    p.update(50, 100);
    p.finish();
    expect(err).to.equal('sim single-decree: 30/100 (30.0%), 1 failing, 2 s\nsim single-decree: 50/100 (50.0%), 12 s\n');
  });

  it('a run of unknown size (a model check) prints its count and status', () => {
    let err = '';
    const p = progress({ out: () => undefined, err: (t) => { err += t; } }, 'check', { tty: false, after: 0, every: 0, clock: () => 3000 });
    p.update(74_278, null, 'states, 8742 queued');
    expect(err).to.equal('check: 74278 states, 8742 queued, 0 s\n');
  });
});
