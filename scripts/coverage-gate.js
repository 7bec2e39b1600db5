#!/usr/bin/env node
// Prints the line coverage of each protocol folder and fails when the protocol core
// (lib/paxos, lib/invariants, and the other pure layers once they exist) is below 95%.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const summary = JSON.parse(fs.readFileSync(path.join(root, 'coverage', 'coverage-summary.json'), 'utf8'));
const gated = { 'lib/core': 90, 'lib/machine': 90, 'lib/paxos': 95, 'lib/invariants': 95, 'lib/multipaxos': 90, 'lib/raft': 90 };
const folders = new Map();
for (const [file, s] of Object.entries(summary)) {
  if (file === 'total') continue;
  const folder = path.relative(root, path.dirname(file)).split(path.sep).slice(0, 2).join('/');
  const f = folders.get(folder) ?? { covered: 0, total: 0 };
  f.covered += s.lines.covered;
  f.total += s.lines.total;
  folders.set(folder, f);
}
let failed = false;
console.log('line coverage by folder:');
for (const [folder, f] of [...folders].sort()) {
  const pct = f.total === 0 ? 100 : (100 * f.covered) / f.total;
  const floor = gated[folder];
  const low = floor !== undefined && pct < floor;
  failed ||= low;
  console.log(`  ${folder.padEnd(20)} ${pct.toFixed(2).padStart(6)}%  (${f.covered}/${f.total} lines)${floor === undefined ? '' : `  gate ${floor}%${low ? '  BELOW THE GATE' : ''}`}`);
}
const t = summary.total.lines;
console.log(`  ${'all of lib'.padEnd(20)} ${t.pct.toFixed(2).padStart(6)}%  (${t.covered}/${t.total} lines)`);
process.exitCode = failed ? 1 : 0;
