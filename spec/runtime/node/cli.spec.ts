/**
 * The real-cluster commands' one-line errors, in-process: bad flags (exit 2), a port in use, a
 * data directory of another cluster, a missing secret (exit 1), an unreachable cluster.
 * Ports 17280-17299.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../../helpers/cli';
import { FileLog } from '../../../lib/runtime/storage';
import { clientOp, describeResult } from '../../../lib/cli/client';

function oneLine(text: string): void {
  expect(text.trim().split('\n'), text).to.have.length(1);
}

describe('runtime: synod node, cluster, client and status: one-line errors', function () {
  this.timeout(60_000);
  let dir = '';
  let secret = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'synod-cli-'));
    secret = path.join(dir, 'secret');
    writeFileSync(secret, 'a cluster secret of enough bytes\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const node = (...extra: string[]) =>
    run('node', '--id', '1', '--listen', '127.0.0.1:17281', '--peers', '2=127.0.0.1:17282,3=127.0.0.1:17283', '--client', '127.0.0.1:17284', '--data', path.join(dir, 'n1'), '--secret-file', secret, '--log-level', 'silent', ...extra);

  it('bad flags exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['node', '--listen', '127.0.0.1:1', '--peers', '2=127.0.0.1:2', '--data', 'd', '--secret-file', 's'], /--id/],
      [['node', '--id', '1', '--listen', 'nowhere', '--peers', '2=127.0.0.1:2', '--data', 'd', '--secret-file', 's'], /--listen takes host:port/],
      [['node', '--id', '1', '--listen', '127.0.0.1:1', '--peers', '2:127.0.0.1:2', '--data', 'd', '--secret-file', 's'], /--peers takes id=host:port/],
      [['node', '--id', '1', '--listen', '127.0.0.1:1', '--peers', '1=127.0.0.1:2', '--data', 'd', '--secret-file', 's'], /which is this node/],
      [['node', '--id', '1', '--listen', '127.0.0.1:1', '--peers', '2=127.0.0.1:2', '--data', 'd', '--secret-file', 's', '--protocol', 'vr'], /--protocol must be one of multipaxos, raft/],
      [['cluster', '--nodes', '1'], /--nodes takes a whole number from 2 to 15/],
      [['client', 'frob', 'x'], /unknown command 'frob'/],
      [['client', 'book', 'S12', '--cluster', '127.0.0.1:1'], /book SUITE BOOKING takes 2 arguments, got 1/],
      [['client', 'get', 'k', '--cluster', 'nowhere'], /--cluster takes host:port/],
    ];
    for (const [argv, error] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.err, argv.join(' ')).to.match(error);
      oneLine(r.err);
    }
    const saved = process.env.SYNOD_CLUSTER;
    delete process.env.SYNOD_CLUSTER;
    try {
      const r = await run('status');
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/no cluster: pass --cluster/);
    } finally {
      if (saved !== undefined) process.env.SYNOD_CLUSTER = saved;
    }
  });

  it('a missing secret, a port in use, a data directory of another cluster: one line, exit 1', async () => {
    const missing = await run('node', '--id', '1', '--listen', '127.0.0.1:17281', '--peers', '2=127.0.0.1:17282', '--data', path.join(dir, 'n1'), '--secret-file', path.join(dir, 'nope'), '--log-level', 'silent');
    expect(missing.code).to.equal(1);
    expect(missing.err).to.match(/cannot read the secret file .*nope: ENOENT/);
    oneLine(missing.err);

    for (const port of [17281, 17284]) {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      try {
        const r = await node();
        expect(r.code).to.equal(1);
        expect(r.err).to.equal(`synod: node 1: 127.0.0.1:${port} is in use\n`);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    }

    const log = new FileLog({ directory: path.join(dir, 'other'), cluster: 'harbor-other', node: 1 });
    await log.open();
    await log.close();
    const r = await node('--data', path.join(dir, 'other'));
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/belongs to cluster harbor-other, not [0-9a-f]{16}/);
    oneLine(r.err);
  });

  it('status of a cluster that does not answer: a row per node that says so, exit 1', async () => {
    const r = await run('status', '--cluster', '127.0.0.1:17291,127.0.0.1:17292', '--timeout-ms', '500');
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/unreachable .*127\.0\.0\.1:17291: unreachable \(ECONNREFUSED\)/);
    expect(r.out).to.match(/127\.0\.0\.1:17292/);
    const json = await run('status', '--cluster', '127.0.0.1:17291', '--json', '--timeout-ms', '500');
    expect(JSON.parse(json.out)).to.deep.equal({ ok: false, nodes: [{ address: '127.0.0.1:17291', reachable: false, error: 'unreachable (ECONNREFUSED)' }] });
  });

  it('client commands map to the machine operations and print one line', () => {
    expect(clientOp('book', ['S12', '8841'])).to.deep.equal({ type: 'reserve', suite: 'S12', booking: '8841' });
    expect(clientOp('cas', ['k', 'null', 'v'])).to.deep.equal({ type: 'cas', key: 'k', expect: null, value: 'v' });
    expect(describeResult({ type: 'reserve', suite: 'S12', booking: '8849' }, { ok: false, suite: 'S12', reason: 'suite S12 is already reserved for booking 8841' })).to.equal('refused: suite S12 is already reserved for booking 8841');
    expect(describeResult({ type: 'get', key: 'k' }, { ok: true, value: null })).to.equal('ok: k = absent');
    expect(describeResult({ type: 'cas', key: 'k', expect: 'a', value: 'b' }, { ok: false, value: 'c' })).to.equal('refused: k is "c", not "a"');
  });
});
