/**
 * The layering of lib/ (docs/architecture.md), checked by dependency-cruiser with the rules of
 * .dependency-cruiser.js: the real tree has no forbidden import and no cycle, and the same rules
 * reject a fixture in which the Paxos layer imports lib/raft (a check that cannot fail proves
 * nothing).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.js');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

function cruise(cwd: string): { violations: Violation[]; modules: number } {
  const run = spawnSync(process.execPath, [depcruise, '--config', config, '--output-type', 'json', 'lib'], { cwd, encoding: 'utf8' });
  if (run.error !== undefined) throw run.error;
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

describe('the layering of lib/ (dependency-cruiser)', function () {
  this.timeout(60_000);

  it('has no forbidden import and no cycle in lib/', () => {
    const { violations, modules } = cruise(root);
    expect(modules, 'the whole of lib/ was read').to.be.above(50);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).to.deep.equal([]);
  });

  it('rejects lib/multipaxos importing lib/raft, and nothing else of the fixture', () => {
    const { violations } = cruise(path.join(root, 'spec', 'fixtures', 'layers'));
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).to.deep.equal(['layer-multipaxos: lib/multipaxos/leader.ts -> lib/raft/term.ts']);
  });
});
