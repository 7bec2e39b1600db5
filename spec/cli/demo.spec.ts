import { expect } from 'chai';
import { BOOKING_A, BOOKING_B, crashAfterQuorum, crashBeforeQuorum, harborPoint, race } from '../../lib/demo/single-decree';
import { plainReason } from '../../lib/demo/single-decree';
import { harborPointLog, STAGE_LEGEND, staleLeaderFencing } from '../../lib/demo/multipaxos';
import { run } from '../helpers/cli';

describe('synod demo (the Harbor Point story)', () => {
  it('prints every message as a line, the stages, and a verdict per story', async () => {
    const r = await run('demo', '--seed', '7');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^harbor-2 -> harbor-1 : accept slot 812 ballot 41\.2 = #8841$/m);
    expect(r.out).to.match(/^harbor-\d -> harbor-\d : promise slot 812 ballot 41\.3 \(accepted 41\.2 = #8841\)$/m);
    expect(r.out).to.match(/^stages: #8841: proposed/m);
    expect(r.out.match(/^verdict: HELD/gm)).to.have.length(6);
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

  it('story 4: the stage counters have a legend; harbor-2 shows what it proposed before its crash; no reply is both given and unheard', async () => {
    const log = harborPointLog();
    expect(log.held).to.equal(true);
    expect(log.lines).to.include(STAGE_LEGEND);
    const h2 = log.lines.find((l) => l.startsWith('harbor-2 stages:'))!;
    expect(h2).to.match(/^harbor-2 stages: proposed 813, quorum-acknowledged 812, .* before its crash; since its restart: proposed 0/);
    // Terminal A's first answer (from harbor-3) is marked as never seen, and only then does it retry.
    const first = log.lines.findIndex((l) => l.startsWith('harbor-3 : tells terminal-a'));
    const retry = log.lines.findIndex((l) => l.startsWith('-- terminal A heard nothing'));
    expect(log.lines[first]).to.match(/\(lost: terminal-a is waiting on harbor-2's connection and never sees it\)$/);
    expect(first).to.be.below(retry);
    expect(log.lines.slice(retry + 1).find((l) => l.startsWith('harbor-3 : tells terminal-a'))).to.not.contain('lost');
  });

  it('a reply for a higher ballot is not called stale; every lost message says why', async () => {
    expect(plainReason('stale accepted for ballot 41.3, current is 41.2; slot 812 already learned')).to.equal(
      "accepted for ballot 41.3, another proposer's higher ballot, not this proposer's 41.2; slot 812 already learned",
    );
    expect(plainReason('stale promise for ballot 41.2, current is 42.2')).to.equal("promise for ballot 41.2, older than this proposer's current 42.2");
    expect(plainReason('late promise: the proposer is accepting')).to.equal('late promise: the proposer is accepting');
    for (const seed of [1, 2, 3, 7]) {
      const out = (await run('demo', '--seed', String(seed))).out;
      expect(out).to.not.match(/stale accepted for ballot 41\.3, current is 41\.2/);
      expect(out).to.not.match(/^lost: /m);
      for (const l of out.split('\n').filter((x) => x.startsWith('lost'))) expect(l).to.match(/^lost \((harbor-\d is down|in flight when harbor-\d crashed; dropped by the story.*|dropped by the story.*)\): /);
    }
  });

  it('story 5, stale-leader fencing: the old leader\'s accepts for slot 812 are refused, its client told to retry, and the retry books S12 in the new ballot', () => {
    const f = staleLeaderFencing();
    expect(f.violations).to.deep.equal([]);
    expect(f.held).to.equal(true);
    expect(f.refused).to.equal(2);
    expect(f.toldTerminalA).to.deep.equal(['harbor-2: indeterminate', 'harbor-3: ok']);
    expect(f.lines).to.include('harbor-1 -> harbor-2 : rejected ballot 41.2 for slot 812: refused, promised 42.3');
    expect(f.lines.some((l) => l.startsWith('-- why harbor-2\'s #8841 stopped at "proposed"'))).to.equal(true);
    expect(f.slot812).to.deep.equal(['harbor-1: reserve S12 for #8841', 'harbor-2: reserve S12 for #8841', 'harbor-3: reserve S12 for #8841']);
  });
});
