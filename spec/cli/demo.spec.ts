import { expect } from 'chai';
import { BOOKING_A, BOOKING_B, crashAfterQuorum, crashBeforeQuorum, harborPoint, race } from '../../lib/demo/single-decree';
import { run } from '../helpers/cli';

describe('synod demo (the Harbor Point story)', () => {
  it('prints every message as a line, the stages, and a verdict per story', async () => {
    const r = await run('demo', '--seed', '7');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^harbor-2 -> harbor-1 : accept slot 812 ballot 41\.2 = #8841$/m);
    expect(r.out).to.match(/^harbor-\d -> harbor-\d : promise slot 812 ballot 41\.3 \(accepted 41\.2 = #8841\)$/m);
    expect(r.out).to.match(/^stages: #8841: proposed/m);
    expect(r.out.match(/^verdict: HELD/gm)).to.have.length(4);
    expect(r.out).to.match(/^== 4\. At log level/m);
    expect(r.out).to.match(/every story held/);
  });

  it('prints the same story for the same seed, and another for another seed', async () => {
    const a = await run('demo', '--seed', '7');
    const b = await run('demo', '--seed', '7');
    const c = await run('demo', '--seed', '8');
    expect(a.out).to.equal(b.out);
    expect(a.out).to.not.equal(c.out);
  });

  it('--json prints one object with each story and its verdict', async () => {
    const r = await run('demo', '--seed', '2', '--json');
    const json = JSON.parse(r.out) as { seed: number; ok: boolean; stories: { held: boolean; chosen: string }[] };
    expect(json.seed).to.equal(2);
    expect(json.ok).to.equal(true);
    expect(json.stories).to.have.length(3);
    expect(json.stories[1]?.chosen).to.equal(BOOKING_A);
  });

  it('over 60 seeds: the race always chooses one booking, a crash after quorum acceptance always keeps #8841, and before it either booking can win', () => {
    const raced = new Set<string | null>();
    const before = new Set<string | null>();
    for (let seed = 0; seed < 60; seed += 1) {
      const all = harborPoint(seed);
      expect(all.ok, `seed ${seed}`).to.equal(true);
      raced.add(race(seed).chosen);
      expect(crashAfterQuorum(seed).chosen).to.equal(BOOKING_A);
      before.add(crashBeforeQuorum(seed).chosen);
    }
    expect([...raced].sort()).to.deep.equal([BOOKING_A, BOOKING_B]);
    expect([...before].sort()).to.deep.equal([BOOKING_A, BOOKING_B]);
  });
});
