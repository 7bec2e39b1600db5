/**
 * The package as a user gets it: `npm pack` the repository, install the tarball in a fresh
 * project that has no TypeScript, and use it from plain Node, with `require` and with `import`,
 * through the entry points of the `exports` map; run the README's library example verbatim,
 * and the installed `synod` command. Each step says what failed (npm missing, the pack, the
 * install, a script) with its output, so a red test is a diagnosis, not a puzzle.
 */
import { expect } from 'chai';
import type { SpawnSyncReturns } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Runs a program; throws with what was run and everything it printed when it fails. */
function run(what: string, command: string, args: readonly string[], cwd: string): string {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.error !== undefined) throw new Error(`${what}: could not run ${command} (${r.error.message})`);
  if (r.status !== 0) {
    throw new Error(`${what} failed: \`${command} ${args.join(' ')}\` exited ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r.stdout;
}

/** The newest modification time of any file under a folder (0 when it does not exist). */
function newest(dir: string, pattern: RegExp): number {
  if (!fs.existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && pattern.test(entry.name)) latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** The README's library example, between its markers, as the reader sees it. */
export function readmeExample(readme: string): string {
  const found = /<!-- library:begin -->\n```js\n([\s\S]*?)```\n<!-- library:end -->/.exec(readme);
  if (found?.[1] === undefined) throw new Error('README.md has no ```js block between <!-- library:begin --> and <!-- library:end -->');
  return found[1];
}

const CJS = `'use strict';
const synod = require('synod');
const sim = require('synod/sim');
const check = require('synod/check');
const zoo = require('synod/zoo');
const { paxos } = synod;
const harbor1 = paxos.initAcceptor(1, [1, 2, 3]);
const promised = paxos.onPrepare(harbor1, { type: 'prepare', from: 2, to: 1, slot: 812, ballot: paxos.ballot.of(41, 2) });
const below = paxos.onAccept(promised.state, { type: 'accept', from: 3, to: 1, slot: 812, ballot: paxos.ballot.of(40, 3), value: '#8849' });
const config = { slot: 812, quorums: paxos.quorumSystemOrThrow({ acceptors: [1, 2, 3] }), proposers: [2, 3], learners: [1, 2, 3] };
const cluster = new synod.Cluster(paxos.paxosProtocol(config));
cluster.request(2, '#8841');
cluster.deliverAll();
const nodes = [...cluster.states.values()];
const run = sim.simulate(sim.subjectEntry('single-decree').build({ nodes: 3 }), sim.simOptions({ seed: 1, steps: 2000, loss: 0.1 }));
const report = check.checkSingleDecreeOrThrow({ acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 });
let deep = null;
try { require('synod/dist/paxos/acceptor'); } catch (error) { deep = error.code; }
console.log(JSON.stringify({
  promise: promised.effects.map((e) => (e.type === 'send' ? 'send ' + e.message.type : e.type)),
  promised: paxos.ballot.format(promised.state.promised),
  below: below.effects.map((e) => (e.type === 'send' ? 'send ' + e.message.type : e.type)),
  learned: nodes.map((n) => n.learner.chosen.value),
  violations: synod.invariants.checkPaxos({ config, nodes, messages: cluster.sent, proposed: ['#8841'] }).length,
  sim: { violations: run.violations.length, chosen: run.chosen },
  check: { passed: check.passed(report), complete: report.complete, states: report.states },
  mutants: zoo.PAXOS_MUTANTS.length,
  version: require('synod/package.json').version,
  deep,
}));
`;

const ESM = `import { Cluster, invariants, multipaxos, paxos, kvStore, vector } from 'synod';
import { simulate, simOptions, subjectEntry } from 'synod/sim';
import { checkHistory, zooEntry } from 'synod/check';
import { MULTIPAXOS_MUTANTS } from 'synod/zoo';
const promised = paxos.onPrepare(paxos.initAcceptor(1, [1, 2, 3]), { type: 'prepare', from: 2, to: 1, slot: 812, ballot: paxos.ballot.of(41, 2) });
const config = { slot: 812, quorums: paxos.quorumSystemOrThrow({ acceptors: [1, 2, 3] }), proposers: [3], learners: [1, 2, 3] };
const cluster = new Cluster(paxos.paxosProtocol(config));
cluster.request(3, '#8849');
cluster.deliverAll();
const nodes = [...cluster.states.values()];
const run = simulate(subjectEntry('multipaxos').build({ nodes: 3 }), simOptions({ seed: 7, steps: 3000, clients: 2, commands: 3 }));
const history = [
  { process: 0, type: 'invoke', f: 'write', key: 'S12', value: '#8841' },
  { process: 0, type: 'ok', f: 'write', key: 'S12', value: '#8841' },
  { process: 1, type: 'invoke', f: 'read', key: 'S12', value: null },
  { process: 1, type: 'ok', f: 'read', key: 'S12', value: '#8849' },
];
console.log(JSON.stringify({
  promise: promised.effects.map((e) => e.type),
  learned: nodes.map((n) => n.learner.chosen.value),
  violations: invariants.checkPaxos({ config, nodes, messages: cluster.sent, proposed: ['#8849'] }).length,
  multipaxos: typeof multipaxos.multiPaxosProtocol,
  machines: [kvStore.name, vector.emptyVector().size],
  sim: { violations: run.violations.length, linearizable: run.report?.fields.linearizable ?? null, committed: run.report?.fields.committed ?? 0 },
  readOfUnwritten: checkHistory(history).linearizable,
  zoo: zooEntry('acceptor-accepts-below-promise')?.protocol ?? null,
  mutants: MULTIPAXOS_MUTANTS.length,
}));
`;

const CONSUMER = `import { Cluster, paxos, type NodeId } from 'synod';
import { simulate, simOptions, subjectEntry, type SimResult } from 'synod/sim';
import { checkSingleDecreeOrThrow, type CheckReport } from 'synod/check';
import { PAXOS_MUTANTS } from 'synod/zoo';
const id: NodeId = 1;
const acceptor: paxos.AcceptorState<string> = paxos.initAcceptor<string>(id, [1, 2, 3]);
const cluster = new Cluster(paxos.paxosProtocol<string>({ slot: 1, quorums: paxos.majorities(3), proposers: [1], learners: [1] }));
const entry = subjectEntry('single-decree');
const result: SimResult | null = entry === undefined ? null : simulate(entry.build({ nodes: 3 }), simOptions({ seed: 1 }));
const report: CheckReport = checkSingleDecreeOrThrow({ acceptors: 3, proposers: 1, values: 1, maxRound: 1, network: 'set', crashes: 0 });
export const all = [acceptor.promised.round, cluster.inFlight.length, result?.chosen, report.states, PAXOS_MUTANTS.length];
`;

describe('the npm package, packed and installed where there is no TypeScript', function () {
  this.timeout(180_000);
  let work = '';
  let project = '';
  let files: string[] = [];
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const node = (what: string, file: string): string => run(what, process.execPath, [file], project);

  before(() => {
    run('npm is needed to pack and install the package, and', npm, ['--version'], root);
    // `npm pack` would run `prepare` (the build); build only when dist/ is older than lib/.
    if (newest(path.join(root, 'lib'), /\.ts$/) > newest(path.join(root, 'dist'), /\.js$/)) run('npm run build (dist/ was missing or older than lib/)', npm, ['run', 'build'], root);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-pack-'));
    const packed = JSON.parse(run('npm pack', npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as { filename: string; files: { path: string }[] }[];
    const tarball = packed[0];
    if (tarball === undefined) throw new Error('npm pack printed no tarball');
    files = tarball.files.map((f) => f.path);
    project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'synod-user', version: '1.0.0', private: true }));
    run('npm install of the tarball', npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, tarball.filename)], project);
    fs.writeFileSync(path.join(project, 'use.cjs'), CJS);
    fs.writeFileSync(path.join(project, 'use.mjs'), ESM);
    fs.writeFileSync(path.join(project, 'example.mjs'), readmeExample(fs.readFileSync(path.join(root, 'README.md'), 'utf8')));
  });

  after(() => {
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds dist/ (JavaScript, declarations, source maps), the bin, README and LICENSE; no spec/ and no TypeScript sources', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/synod.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli/main.js', 'dist/sim/index.d.ts', 'dist/check/index.d.ts', 'dist/zoo/index.d.ts']) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => f.startsWith('spec/') || f.startsWith('lib/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).to.deep.equal([]);
  });

  it('installs without TypeScript or ts-node: commander is its one runtime dependency', () => {
    const installed = fs.readdirSync(path.join(project, 'node_modules'));
    expect(installed).to.include.members(['synod', 'commander']);
    expect(installed).to.not.include.members(['typescript']);
    expect(installed).to.not.include('ts-node');
  });

  it('require: drives an acceptor step, a three-node scripted cluster, one seed of the simulator and a check; deep paths are not exported', () => {
    const out = JSON.parse(node('node use.cjs (require of synod, synod/sim, synod/check, synod/zoo)', 'use.cjs')) as Record<string, unknown>;
    expect(out).to.deep.equal({
      promise: ['persist', 'send promise'],
      promised: '41.2',
      below: ['send rejected'],
      learned: ['#8841', '#8841', '#8841'],
      violations: 0,
      sim: { violations: 0, chosen: 1 },
      check: { passed: true, complete: true, states: 8146 },
      mutants: 7,
      version,
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('import (ESM): the same entry points with named imports, a Multi-Paxos seed, the linearizability checker and the zoo', () => {
    const out = JSON.parse(node('node use.mjs (import of synod, synod/sim, synod/check, synod/zoo)', 'use.mjs')) as Record<string, unknown>;
    expect(out).to.deep.equal({
      promise: ['persist', 'send'],
      learned: ['#8849', '#8849', '#8849'],
      violations: 0,
      multipaxos: 'function',
      machines: ['kv', 0],
      sim: { violations: 0, linearizable: true, committed: 6 },
      readOfUnwritten: false,
      zoo: 'single-decree',
      mutants: 10,
    });
  });

  it('types: a strict TypeScript consumer type-checks against the declarations, resolved through the exports map (node16)', () => {
    fs.writeFileSync(path.join(project, 'consumer.ts'), CONSUMER);
    const options = { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', types: [], noEmit: true };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['consumer.ts'] }));
    // The compiler is the repository's: the user's project itself has no TypeScript.
    run('tsc on a consumer of the declarations', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], project);
  });

  it("README's library example runs verbatim and prints what the README says", () => {
    expect(node("node example.mjs (README.md's library example)", 'example.mjs')).to.equal('acceptor: persist then send\nlearned: #8841 #8841 #8841\ninvariants: all hold\n');
  });

  it('npx synod demo tells the Harbor Point story, and npx synod --version prints the package version', () => {
    const demo = run('npx synod demo', npx, ['--no', '--', 'synod', 'demo'], project);
    expect(demo).to.match(/^Harbor Point booking authority: slot 812/);
    expect(demo).to.contain('every story held: slot 812 was never decided both ways');
    expect(run('npx synod --version', npx, ['--no', '--', 'synod', '--version'], project)).to.equal(`${version}\n`);
  });
});
