/**
 * The command as a package ships it: `--version` from package.json, and each subcommand's
 * module loaded only when that subcommand runs (what keeps `synod map` fast).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSubcommands } from '../../lib/cli/main';
import { packageVersion } from '../../lib/cli/version';
import { run } from '../helpers/cli';

const root = path.join(__dirname, '..', '..');
const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** The modules of lib/ a fresh process has loaded after running `synod ARGV` in-process. */
function loadedAfter(argv: readonly string[]): string[] {
  const script = `
    require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, 'tsconfig.json'))} });
    const lib = ${JSON.stringify(path.join(root, 'lib') + path.sep)};
    require(lib + 'cli/main').main(${JSON.stringify(argv)}, { out: () => {}, err: () => {} }).then(() => {
      console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.startsWith(lib)).map((f) => f.slice(lib.length))));
    });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('synod as a package: --version and lazy subcommands', function () {
  this.timeout(60_000);

  it('--version and -V print the version in package.json', async () => {
    expect(packageVersion()).to.equal(version);
    expect(await run('--version')).to.deep.equal({ code: 0, out: `${version}\n`, err: '' });
    expect(await run('-V')).to.deep.equal({ code: 0, out: `${version}\n`, err: '' });
  });

  it('packageVersion fails with a sentence when no package.json of synod is above the folder', () => {
    expect(() => packageVersion(path.parse(root).root)).to.throw(/no package.json of synod above/);
  });

  it('a named subcommand loads only its own module; help and unknown names load every one', async () => {
    expect(await loadSubcommands(['map', '--json'])).to.have.length(1);
    expect(await loadSubcommands(['--version'])).to.have.length(0);
    const all = (await loadSubcommands(['--help'])).length;
    expect(all).to.be.greaterThan(3);
    expect(await loadSubcommands(['no-such-command'])).to.have.length(all);
    const help = await run('--help');
    for (const name of ['demo', 'map', 'check', 'sim']) expect(help.out).to.match(new RegExp(`^  ${name} `, 'm'));
  });

  it('synod map never loads the simulator, the model checker or the demo; synod demo never loads the checker', () => {
    const map = loadedAfter(['map']);
    expect(map).to.include('cli/map.ts');
    expect(map.filter((f) => /^(sim|check|demo)\//.test(f) || f === 'cli/sim.ts' || f === 'cli/check.ts')).to.deep.equal([]);
    const demo = loadedAfter(['demo']);
    expect(demo).to.include('demo/multipaxos.ts');
    expect(demo.filter((f) => f.startsWith('check/') || f.startsWith('sim/'))).to.deep.equal([]);
  });
});
