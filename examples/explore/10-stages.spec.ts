/**
 * Experiment 10 (docs/exploring.md): the stages are separate counters.
 * Question: "proposed", "quorum-acknowledged" (the proposer heard a phase-2 quorum) and
 * "chosen" (a learner counted a quorum of votes) sound like one event. When do they come apart?
 */
import { expect } from 'chai';
import { A, harbor, msg } from './harbor';
import type { Harbor } from './harbor';

/** Every stage #8841 reached, as "node: stage", in order. */
function stagesOf(h: Harbor): string[] {
  const out: string[] = [];
  h.cluster.on((e) => {
    if (e.type !== 'effect') return;
    if (e.effect.type === 'stage' && e.effect.value === A) out.push(`${e.node}: ${e.effect.stage}`);
    if (e.effect.type === 'chosen' && e.effect.value === A) out.push(`${e.node}: chosen`);
  });
  return out;
}

describe('explore 10: the stages of a proposal, counted apart', () => {
  it('with no fault they follow one another: proposed, quorum-acknowledged, then chosen at each learner', () => {
    const h = harbor();
    const stages = stagesOf(h);
    h.propose(2, A);
    h.cluster.deliverAll();
    expect(stages[0]).to.equal('2: proposed');
    expect(stages).to.include('2: quorum-acknowledged');
    expect(stages.filter((s) => s.endsWith('chosen')).sort()).to.deep.equal(['1: chosen', '2: chosen', '3: chosen']);
  });

  it('harbor-2 crashes after harbor-1 and harbor-3 voted: #8841 is chosen, yet its proposer never acknowledged it', () => {
    const h = harbor();
    const stages = stagesOf(h);
    h.propose(2, A);
    h.cluster.deliverAll((m) => (m.type === 'prepare' && m.from === 2) || (m.type === 'promise' && m.to === 2));
    h.cluster.deliver(msg('accept', 2, 1));
    h.cluster.deliver(msg('accept', 2, 3));
    h.cluster.crash(2);
    h.cluster.deliverAll((m) => m.type === 'accepted' && m.to !== 2);
    expect(stages).to.deep.equal(['2: proposed', '1: chosen', '3: chosen']);
    expect(h.learned()).to.deep.equal([A, null, A]);
    expect(h.violations).to.deep.equal([]);
  });
});
