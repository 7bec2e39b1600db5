// The linter's one job beyond the usual: keep the protocol core pure. Under lib/core, lib/machine, lib/paxos,
// lib/multipaxos, lib/raft and lib/invariants there is no clock, no randomness, no timer, no
// async code, no `any` and no IO: the same step functions must run in the simulator, the
// model checker, a browser and the runtime, and give the same answer every time.
const tseslint = require('typescript-eslint');

const core = ['lib/core/**/*.ts', 'lib/machine/**/*.ts', 'lib/paxos/**/*.ts', 'lib/multipaxos/**/*.ts', 'lib/raft/**/*.ts', 'lib/invariants/**/*.ts'];
const io = ['fs', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'worker_threads', 'cluster', 'os', 'tls', 'timers', 'readline', 'process', 'perf_hooks'];
const impure = 'is impure: the protocol core takes time, randomness and IO only as inputs';

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.nyc_output/**', '.stryker-tmp/**', 'reports/**', 'bin/**', 'scripts/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'synod uses named exports only' }],
    },
  },
  {
    files: core,
    rules: {
      'no-restricted-globals': ['error',
        ...['Date', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'Promise', 'process', 'performance', 'fetch', 'require']
          .map((name) => ({ name, message: `${name} ${impure}` })),
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: `Math.random ${impure}` },
        { object: 'Date', property: 'now', message: `Date.now ${impure}` },
        { object: 'crypto', property: 'randomUUID', message: `crypto.randomUUID ${impure}` },
      ],
      'no-restricted-imports': ['error', {
        paths: io.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: `${name} ${impure}` })),
        patterns: [{ group: ['node:*', 'fs/*', 'node:fs/*', '*/sim/*', '*/runtime/*', '*/check/*', '*/cli/*'], message: `this import ${impure}` }],
      }],
      'no-restricted-syntax': ['error',
        { selector: 'ExportDefaultDeclaration', message: 'synod uses named exports only' },
        { selector: ':function[async=true]', message: `async code ${impure}` },
        { selector: 'AwaitExpression', message: `await ${impure}` },
        { selector: "NewExpression[callee.name='Date']", message: `Date ${impure}` },
      ],
    },
  },
);
