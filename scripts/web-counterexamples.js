#!/usr/bin/env node
// `npm run web:counterexamples`: rewrites web/counterexamples/NAME.jsonl, the counterexample
// `synod check --mutant NAME --trace` writes for each single-decree, Multi-Paxos and Raft mutant of the bug zoo
// (the browser view's zoo presets). Needs the build (dist/).
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { zooEntries } = require('../dist/check/zoo');

const root = path.join(__dirname, '..');
for (const entry of zooEntries().filter((e) => e.protocol === 'single-decree' || e.protocol === 'multipaxos' || e.protocol === 'raft')) {
  const file = path.join(root, 'web', 'counterexamples', `${entry.name}.jsonl`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'synod.js'), 'check', '--mutant', entry.name, '--trace', file], { encoding: 'utf8' });
  if (r.status !== 1) {
    console.error(`synod check --mutant ${entry.name} exited ${r.status}, not 1 (a counterexample): ${r.stderr}`);
    process.exit(1);
  }
  console.log(`${path.relative(root, file)}: written`);
}
