/**
 * The model checker catches Raft's Figure-8 bug (`raft-figure8-commit`) at a bounded, directed
 * three-node configuration (lib/check/raft.ts), and exhausts the same bounds under correct Raft
 * and under Paxos without a violation. The state counts are pinned, so that a change to the
 * node's state space is noticed.
 */
import { expect } from 'chai';
import { checkFigure8 } from '../../lib/check/raft';
import { PAXOS, RAFT, RAFT_WITHOUT_CURRENT_TERM_RULE } from '../../lib/raft/policy';
import { zooEntry } from '../../lib/check/zoo';
import { run } from '../helpers/cli';

describe('the model checker on Raft\'s Figure 8 (raft-figure8-commit)', function () {
  this.timeout(120_000);

  it('finds the shortest counterexample under Raft without the current-term rule: a committed entry is overwritten', () => {
    const r = checkFigure8(RAFT_WITHOUT_CURRENT_TERM_RULE);
    expect(r.violations).to.have.length(1);
    const v = r.violations[0]!;
    expect(v.invariants).to.deep.equal(['Agreement']);
    expect(v.description).to.equal('Agreement: node 1 learned x#1@t1.1 at slot 1, node 3 learned noop@t3.3: the committed entry x#1@t1.1 is lost');
    expect(v.length).to.equal(27);
    // The run is Figure 8: S1 re-sends X (term 1.1) in ballot 2.1, S2 stores it, and S3 wins term 3.3 with S2's vote.
    expect(v.trace.join('\n')).to.match(/deliver accept 1>2 2\.1 s1 x#1@t1\.1/);
    expect(v.trace.join('\n')).to.match(/deliver promise 2>3 3\.3 s0/);
  });

  it('exhausts the same bounds under correct Raft: no violation, and a command is committed', () => {
    const r = checkFigure8(RAFT);
    expect(r.violations).to.deep.equal([]);
    expect(r.complete).to.equal(true);
    expect(r.sometimes['a command is committed']?.holds).to.equal(true);
    expect(r.states).to.equal(317_214);
  });

  it('exhausts the same bounds under Paxos: no violation, and a command is committed', () => {
    const r = checkFigure8(PAXOS);
    expect(r.violations).to.deep.equal([]);
    expect(r.complete).to.equal(true);
    expect(r.sometimes['a command is committed']?.holds).to.equal(true);
    expect(r.states).to.equal(63_550);
  });

  it('is in the zoo: synod check --list-mutants names it, and synod check --mutant raft-figure8-commit exits 1 with the counterexample', async () => {
    const entry = zooEntry('raft-figure8-commit');
    expect(entry?.protocol).to.equal('raft');
    const list = await run('check', '--list-mutants');
    expect(list.out).to.match(/^raft-figure8-commit {2}a Raft leader commits an entry of an older term/m);
    const r = await run('check', '--mutant', 'raft-figure8-commit');
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/bounded and directed/);
    expect(r.out).to.match(/VIOLATION of Agreement after 27 actions/);
  });
});
