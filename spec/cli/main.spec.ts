import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { integer, oneOf, probability, seedRange, UsageError } from '../../lib/cli/args';
import { run } from '../helpers/cli';

const bin = path.join(__dirname, '..', '..', 'bin', 'synod.js');

describe('synod (the command line)', () => {
  it('--help lists the commands, and no arguments prints the same help', async () => {
    const help = await run('--help');
    expect(help.code).to.equal(0);
    expect(help.out).to.match(/Usage: synod/);
    expect(help.out).to.match(/\bdemo\b/);
    const bare = await run();
    expect(bare.code).to.equal(0);
    expect(bare.out).to.equal(help.out);
  });

  it('an unknown command exits 2 with a one-line error', async () => {
    const r = await run('frobnicate');
    expect(r.code).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.match(/unknown command 'frobnicate'/);
  });

  it('an unknown option or a bad value exits 2 with a one-line error', async () => {
    const unknown = await run('demo', '--frob');
    expect(unknown.code).to.equal(2);
    expect(unknown.err.trim().split('\n')).to.have.length(1);
    const bad = await run('demo', '--seed', 'seven');
    expect(bad).to.deep.equal({ code: 2, out: '', err: "synod: --seed takes a whole number from 0 to 4294967295, got 'seven'\n" });
  });

  it('runs as a real process: bin/synod.js demo exits 0 and a bad argument exits 2', () => {
    const out = execFileSync(process.execPath, [bin, 'demo', '--seed', '3'], { encoding: 'utf8' });
    expect(out).to.match(/every story held/);
    const bad = spawnSync(process.execPath, [bin, 'demo', '--seed', '-1'], { encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.equal("synod: --seed takes a whole number from 0 to 4294967295, got '-1'\n");
  });
});

describe('lib/cli/args', () => {
  it('checks whole numbers, probabilities, choices and seed ranges', () => {
    expect(integer('--n', '5', 1, 9)).to.equal(5);
    expect(() => integer('--n', '0', 1, 9)).to.throw(UsageError, '--n takes a whole number from 1 to 9, got \'0\'');
    expect(() => integer('--n', '2.5', 1)).to.throw(UsageError);
    expect(probability('--loss', '0.1')).to.equal(0.1);
    expect(() => probability('--loss', '2')).to.throw(UsageError, "--loss takes a probability from 0 to 1, got '2'");
    expect(() => probability('--loss', '')).to.throw(UsageError);
    expect(oneOf('--p', 'a', ['a', 'b'] as const)).to.equal('a');
    expect(() => oneOf('--p', 'c', ['a', 'b'] as const)).to.throw(UsageError, "--p must be one of a, b, got 'c'");
    expect(seedRange('--seeds', '1000-1999')).to.deep.equal({ first: 1000, last: 1999 });
    expect(seedRange('--seeds', '7')).to.deep.equal({ first: 7, last: 7 });
    expect(() => seedRange('--seeds', '9-3')).to.throw(UsageError, '--seeds: the range 9-3 is empty');
    expect(() => seedRange('--seeds', 'x')).to.throw(UsageError);
  });
});
