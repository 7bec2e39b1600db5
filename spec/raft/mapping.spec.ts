import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAPPING, mappingMarkdown } from '../../lib/raft/mapping';
import { run } from '../helpers/cli';

const root = path.join(__dirname, '..', '..');

describe('lib/raft/mapping (the Raft mapping table)', () => {
  it('resolves every code reference to an export of a module under lib/', () => {
    for (const record of MAPPING) {
      expect(record.enforcedBy, record.name).to.have.length.above(0);
      for (const ref of record.enforcedBy) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(path.join(root, ref.module)) as Record<string, unknown>;
        expect(mod[ref.export], `${record.name}: ${ref.module} exports ${ref.export}`).to.not.equal(undefined);
      }
    }
  });

  it('resolves every check reference to a test title in a spec file', () => {
    for (const record of MAPPING) {
      expect(record.checkedBy, record.name).to.have.length.above(0);
      for (const ref of record.checkedBy) {
        const file = path.join(root, ref.spec);
        expect(fs.existsSync(file), `${record.name}: ${ref.spec} exists`).to.equal(true);
        expect(fs.readFileSync(file, 'utf8'), `${record.name}: a test in ${ref.spec} is titled "${ref.test}"`).to.include(ref.test);
      }
    }
  });

  it('covers every invariant of lib/invariants, Raft\'s five guarantees and the engineer\'s seven questions', () => {
    const names = MAPPING.map((r) => r.name);
    expect(names).to.include.members([
      'Agreement', 'Validity', 'OneValuePerBallot', 'PromiseKept', 'VotesSafe', 'ChosenIsStable', 'AckImpliesChosen', 'LogPrefixAgreement',
      'Election Safety', 'Leader Append-Only', 'Log Matching', 'Leader Completeness', 'State Machine Safety',
    ]);
    expect(MAPPING.filter((r) => r.kind === 'engineer-question')).to.have.length(7);
  });

  it('cites real code and a check on both sides in every row: Paxos or Multi-Paxos, and Raft (lib/raft)', () => {
    for (const r of MAPPING) {
      expect(r.enforcedBy.some((c) => c.module.startsWith('lib/raft/')), `${r.name}: Raft code`).to.equal(true);
      expect(r.enforcedBy.some((c) => /^lib\/(paxos|multipaxos|machine)\//.test(c.module)), `${r.name}: Paxos code`).to.equal(true);
      expect(r.enforcedBy.some((c) => c.module === 'lib/raft/policy'), `${r.name}: the policy mode is gone`).to.equal(false);
      expect(r.checkedBy.some((c) => c.spec.startsWith('spec/raft/')), `${r.name}: a Raft check`).to.equal(true);
      expect(r.checkedBy.some((c) => !c.spec.startsWith('spec/raft/') || c.test.startsWith('Multi-Paxos')), `${r.name}: a Paxos check`).to.equal(true);
    }
  });

  it('keeps Raft words out of the neutral statements', () => {
    for (const r of MAPPING) expect(r.neutral, r.name).to.not.match(/\b(term|ballot|AppendEntries|commitIndex|acceptor|proposer|promise)\b/i);
  });

  it('synod map prints the table; --json prints the records; the README carries the same table', async () => {
    const md = await run('map', '--markdown');
    expect(md.code).to.equal(0);
    expect(md.out).to.equal(`${mappingMarkdown()}\n`);
    const json = await run('map', '--json');
    expect((JSON.parse(json.out) as { records: unknown[] }).records).to.have.length(MAPPING.length);
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const between = /<!-- map:begin -->\n([\s\S]*?)\n<!-- map:end -->/.exec(readme);
    expect(between, 'README.md has a generated map section').to.not.equal(null);
    expect(between?.[1], 'README.md map is current: run `npm run readme:map`').to.equal(mappingMarkdown());
  });
});
