/**
 * `synod replay` and `synod trace` on the trace files `synod sim --trace` and `synod check
 * --trace` / `--witness-trace` write: a replay reports identical events, a trace edited by
 * hand reports the first event that differs (exit 1), and a file that is not a trace is a
 * one-line error (exit 2).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/cli';

describe('synod replay and synod trace', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'synod-replay-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a sim trace has a header (format, version, synod version, protocol, seed, every option, reproduce), then events with step and tick; replay reports identical events', async () => {
    const file = join(dir, 'sim.jsonl');
    const r = await run('sim', '--protocol', 'multipaxos', '--nodes', '3', '--seed', '4', '--steps', '3000', '--loss', '0.05', '--crashes', '--trace', file);
    expect(r.code).to.equal(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const header = lines[0]!;
    expect(header).to.include({ format: 'synod-trace', version: 1, command: 'sim', protocol: 'multipaxos', seed: 4, events: lines.length - 1 });
    expect(header.synod).to.equal((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
    expect(header.options).to.include({ nodes: '3', steps: '3000', loss: '0.05', crashes: true, delay: '1-5', clients: '3' });
    expect(header.reproduce).to.equal('synod sim --protocol multipaxos --nodes 3 --seed 4 --steps 3000 --loss 0.05 --crashes');
    for (const e of lines.slice(1)) expect(e).to.have.keys(Object.keys(e)).and.to.include.keys('step', 'tick', 'type');
    const replay = await run('replay', file);
    expect(replay.code).to.equal(0);
    expect(replay.out).to.equal(`${file}: sim multipaxos seed 4: identical, ${lines.length - 1} events\n`);
    const shown = await run('trace', file);
    expect(shown.code).to.equal(0);
    expect(shown.out.split('\n')[2]).to.match(/^step 1 t=\d+ request {3}client \d -> n\d : /);
  });

  it('a trace edited by hand: replay names the first differing event and exits 1', async () => {
    const file = join(dir, 'edited.jsonl');
    expect((await run('sim', '--nodes', '3', '--seed', '9', '--loss', '0.1', '--trace', file)).code).to.equal(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const pristine = [...lines];
    const at = lines.findIndex((l, i) => i > 5 && l.includes('"type":"deliver"'));
    const original = JSON.parse(lines[at]!) as { tick: number };
    lines[at] = JSON.stringify({ ...original, tick: original.tick + 1 });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await run('replay', file, '--json');
    expect(r.code).to.equal(1);
    const j = JSON.parse(r.out) as { ok: boolean; reason: string; index: number; expected: { tick: number }; actual: { tick: number } };
    expect(j.ok).to.equal(false);
    expect(j.index).to.equal(at - 1);
    expect(j.reason).to.equal(`event ${at} (line ${at + 1}) differs`);
    expect(j.expected.tick).to.equal(original.tick + 1);
    expect(j.actual.tick).to.equal(original.tick);
    const text = await run('replay', file);
    expect(text.out).to.contain(`DIFFERS at event ${at} (line ${at + 1})`);
    // A truncated file differs where it ends.
    writeFileSync(file, `${pristine.slice(0, 10).join('\n')}\n`);
    const cut = JSON.parse((await run('replay', file, '--json')).out) as { index: number; expected: unknown };
    expect([cut.index, cut.expected]).to.deep.equal([9, null]);
  });

  it('a check counterexample and a check witness replay as identical events', async () => {
    const cex = join(dir, 'cex.jsonl');
    const r = await run('check', '--mutant', 'leader-acks-before-quorum', '--trace', cex);
    expect(r.code).to.equal(1);
    const header = JSON.parse(readFileSync(cex, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(header).to.include({ command: 'check', protocol: 'multipaxos', what: 'counterexample', events: 5, reproduce: 'synod check --mutant leader-acks-before-quorum' });
    expect((await run('replay', cex)).out).to.match(/check multipaxos \(counterexample\): identical, 5 events/);
    const witness = join(dir, 'witness.jsonl');
    expect((await run('check', '--acceptors', '2', '--witness-trace', witness)).code).to.equal(0);
    const again = await run('replay', witness);
    expect([again.code, again.out.trim()]).to.deep.equal([0, `${witness}: check single-decree (witness:a value is chosen): identical, 7 events`]);
    const shown = await run('trace', witness);
    expect(shown.out).to.contain('step 7 t=7 deliver   n1 -> n2 : accept slot 1 ballot 1.1 = A');
  });

  it('a passing check writes a header-only trace that replays as identical, 0 events', async () => {
    const file = join(dir, 'none.jsonl');
    expect((await run('check', '--acceptors', '1', '--proposers', '1', '--trace', file)).code).to.equal(0);
    expect((await run('replay', file)).out).to.match(/identical, 0 events/);
  });

  for (const [text, message] of [
    ['{"type":"deliver"}\n', /not a synod trace/],
    ['not json\n', /line 1 is not a JSON object/],
    ['{"format":"synod-trace","version":9,"command":"sim","options":{}}\n', /trace format version 9/],
  ] as const) {
    it(`a bad file is one line, exit 2: ${message.source}`, async () => {
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, text);
      const r = await run('replay', file);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(message);
      expect(r.err.trim().split('\n')).to.have.length(1);
    });
  }
});
