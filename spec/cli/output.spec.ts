/** lib/cli/output.ts: wrapping, tables that fit a width, the JSON every report prints, exit codes; and `synod map` as a table. */
import { expect } from 'chai';
import { EXIT, emit, table, wrap } from '../../lib/cli/output';
import { mappingTable } from '../../lib/cli/map';
import { MAPPING } from '../../lib/raft/mapping';
import { run } from '../helpers/cli';

describe('lib/cli/output', () => {
  it('wrap breaks at spaces, keeps newlines, and cuts a word longer than the width (after a / , - or . when it can)', () => {
    expect(wrap('the quick brown fox jumps', 10)).to.deep.equal(['the quick', 'brown fox', 'jumps']);
    expect(wrap('one\ntwo three', 5)).to.deep.equal(['one', 'two', 'three']);
    expect(wrap('lib/paxos/proposer.ts', 10)).to.deep.equal(['lib/paxos/', 'proposer.', 'ts']);
    expect(wrap('abcdefghij', 4)).to.deep.equal(['abcd', 'efgh', 'ij']);
    for (const w of [3, 7, 20]) for (const l of wrap('Accept requests of one ballot carry one value per slot; lib/multipaxos/node.ts', w)) expect(l.length).to.be.at.most(w);
    expect(() => wrap('x', 0)).to.throw(/width/);
  });

  it('table: every line within the width, cells wrapped, a one-cell row spans the table, the legend under it', () => {
    const t = table(['A', 'B'], [['a long cell that must wrap', 'b'], ['a note that spans both columns']], { width: 30, legend: ['legend: A is a, B is b'] });
    for (const l of t) expect(l.length).to.be.at.most(30);
    expect(t[0]).to.equal('| A           | B            |');
    expect(t.some((l) => l.startsWith('| a note that spans both'))).to.equal(true);
    expect(t.at(-1)).to.equal('legend: A is a, B is b');
    expect(() => table(['a', 'b', 'c'], [], { width: 10 })).to.throw(/do not fit/);
  });

  it('emit: the JSON says ok, and reason when not ok; the exit code is the report\'s', () => {
    let out = '';
    const io = { out: (t: string) => { out += t; }, err: () => undefined };
    expect(emit({ lines: [], json: { a: 1 }, ok: false, reason: 'why', exit: EXIT.incomplete }, true, io)).to.equal(3);
    expect(JSON.parse(out)).to.deep.equal({ ok: false, reason: 'why', a: 1 });
    out = '';
    expect(emit({ lines: ['x'], json: {}, ok: true }, false, io)).to.equal(0);
    expect(out).to.equal('x\n');
  });

  it('synod map is a table within 100 columns with every invariant; --markdown and --json stay as they were', async () => {
    const r = await run('map');
    expect(r.code).to.equal(0);
    const lines = r.out.trimEnd().split('\n');
    for (const l of lines) expect(l.length, l).to.be.at.most(100);
    expect(lines).to.deep.equal(mappingTable());
    for (const m of MAPPING) expect(r.out.replace(/\s*\|\s*/g, ' ')).to.contain(m.name.split(' ')[0]);
    expect(r.out).to.not.contain('<br>');
    for (const l of mappingTable(MAPPING, 72)) expect(l.length).to.be.at.most(72);
    expect((await run('map', '--width', '10')).code).to.equal(2);
  });

  it('synod --help lists the exit codes', async () => {
    const r = await run('--help');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/Exit codes:\n {2}0 {4}every check held/);
    expect(r.out).to.match(/ 3 {4}a model check cut short by its budget/);
    expect(r.out).to.match(/ 130 {2}interrupted/);
  });
});
