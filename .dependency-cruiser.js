// The layering of lib/ (docs/architecture.md), enforced in `npm test` by `npm run lint:layers`.
// Each folder may import only the folders listed for it; anything else is an error. The lists
// form a DAG, so the folder graph of lib/ has no cycle. Protocol folders come first (pure: no
// driver may be imported), drivers after.
const LAYERS = {
  core: [],
  machine: ['core'],
  paxos: ['core', 'machine'],
  multipaxos: ['core', 'machine', 'paxos'],
  raft: ['core', 'machine', 'paxos', 'multipaxos'],
  invariants: ['core', 'machine', 'paxos', 'multipaxos', 'raft'],
  zoo: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants'],
  history: ['core', 'machine'],
  harness: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants'],
  sim: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'zoo', 'history', 'harness'],
  check: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'zoo', 'history', 'harness', 'sim'],
  demo: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'zoo', 'history', 'harness'],
  web: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'zoo', 'history', 'harness', 'sim', 'check', 'demo'],
  runtime: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'history'],
  cli: ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants', 'zoo', 'history', 'harness', 'sim', 'check', 'demo', 'runtime', 'web'],
};
const PROTOCOL = ['core', 'machine', 'paxos', 'multipaxos', 'raft', 'invariants'];

const folderRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `lib/${folder} may import only ${allowed.length === 0 ? 'itself' : allowed.map((f) => `lib/${f}`).join(', ')}`,
  severity: 'error',
  from: { path: `^lib/${folder}/` },
  to: { path: '^lib/', pathNot: [`^lib/${folder}/`, ...allowed.map((f) => `^lib/${f}/`)] },
}));

module.exports = {
  forbidden: [
    ...folderRules,
    {
      name: 'lib-outside-lib',
      comment: 'lib/ is the package: it never imports tests, benchmarks, proofs or examples',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(spec|bench|proofs|examples|scripts)/' },
    },
    {
      name: 'protocol-core-no-runtime-dependency',
      comment: 'the protocol core has no runtime dependency, so it also runs in a browser',
      severity: 'error',
      from: { path: `^lib/(${PROTOCOL.join('|')})/` },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    {
      name: 'web-runs-in-a-browser',
      comment: 'lib/web is bundled for the browser (web/, docs/web.md): no Node module and no runtime package',
      severity: 'error',
      from: { path: '^lib/web/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    {
      name: 'no-unknown-folder',
      comment: 'every folder of lib/ has a place in the layering (add it to LAYERS)',
      severity: 'error',
      from: { path: '^lib/', pathNot: `^lib/(${Object.keys(LAYERS).join('|')})/|^lib/[^/]+\\.ts$` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no module cycle anywhere in lib/',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^lib/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
