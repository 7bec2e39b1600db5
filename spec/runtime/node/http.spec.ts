/**
 * The client API over real HTTP on port 0, in front of a scripted node (the driver's answers
 * are given by the test): the contract the client command, the Jepsen-style test and the
 * benchmarks rely on.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sinon from 'sinon';
import type { Command } from '../../../lib/machine/command';
import type { HarborOp, HarborResult } from '../../../lib/machine/harbor';
import type { NodeStatus, Submitted } from '../../../lib/runtime/node/driver';
import { AddressInUseError, createClientApi, listen, parseCommand } from '../../../lib/runtime/node/http';
import { NodeMetrics } from '../../../lib/runtime/node/metrics';

const STATUS: NodeStatus = {
  id: 1,
  protocol: 'multipaxos',
  role: 'leader',
  ballot: { round: 41, node: 1 },
  ballotText: '41.1',
  leader: 1,
  commit: 812,
  applied: 812,
  electionsStarted: 1,
  electionsWon: 1,
  lastContactMs: 3,
  counters: { proposed: 5, quorumAcknowledged: 5, committed: 5, applied: 5, electionsStarted: 1, electionsWon: 1, syncs: 9, changesLogged: 12, lazyGroups: 0, loopback: 0, snapshots: 0 },
  transport: { framesSent: 10, framesReceived: 10, bytesSent: 1000, bytesReceived: 1000, rejected: {} },
  stopped: false,
};

async function request(port: number, method: string, path: string, body?: string): Promise<{ code: number; json: unknown; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { code: res.status, json, text };
}

describe('runtime: the client HTTP API', () => {
  let server: http.Server;
  let port = 0;
  let answer: Submitted<HarborResult> = { status: 'timeout' };
  let started = true;
  const submit = sinon.spy((_c: Command<HarborOp>) => Promise.resolve(answer));
  const metrics = new NodeMetrics({ node: 1, protocol: 'multipaxos' });

  before(async () => {
    const node = { id: 1, get started() { return started; }, submit, status: () => STATUS };
    server = createClientApi({ node, clientAddresses: new Map([[1, '127.0.0.1:8001'], [2, '127.0.0.1:8002']]), metrics });
    await listen(server, '127.0.0.1', 0);
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  beforeEach(() => {
    submit.resetHistory();
    started = true;
  });

  const book = JSON.stringify({ client: 'c1', seq: 7, op: { type: 'reserve', suite: 'S12', booking: '8841' } });

  it('POST /v1/command hands the command to the node and answers ok with the result', async () => {
    answer = { status: 'reply', reply: { status: 'ok', result: { ok: true, suite: 'S12', booking: '8841', status: 'reserved' } } };
    const r = await request(port, 'POST', '/v1/command', book);
    expect(r.code).to.equal(200);
    expect(r.json).to.deep.equal({ status: 'ok', result: { ok: true, suite: 'S12', booking: '8841', status: 'reserved' } });
    expect(submit.firstCall.args[0]).to.deep.equal({ client: 'c1', seq: 7, op: { type: 'reserve', suite: 'S12', booking: '8841' } });
  });

  it('a redirect carries the leader and its client address (null when unknown); indeterminate passes through', async () => {
    answer = { status: 'reply', reply: { status: 'redirect', leader: 2 } };
    expect((await request(port, 'POST', '/v1/command', book)).json).to.deep.equal({ status: 'redirect', leader: 2, address: '127.0.0.1:8002' });
    answer = { status: 'reply', reply: { status: 'redirect', leader: 0 } };
    expect((await request(port, 'POST', '/v1/command', book)).json).to.deep.equal({ status: 'redirect', leader: 0, address: null });
    answer = { status: 'reply', reply: { status: 'indeterminate', leader: 3 } };
    expect((await request(port, 'POST', '/v1/command', book)).json).to.deep.equal({ status: 'indeterminate', leader: 3 });
  });

  it('no answer by the deadline is HTTP 503 timeout', async () => {
    answer = { status: 'timeout' };
    const r = await request(port, 'POST', '/v1/command', book);
    expect(r.code).to.equal(503);
    expect(r.json).to.deep.equal({ status: 'timeout' });
  });

  it('a malformed body is HTTP 400 with one line, and never reaches the node', async () => {
    const bad = [
      ['{', /not JSON/],
      [JSON.stringify({ client: 'c1', seq: 0, op: { type: 'get', key: 'k' } }), /^seq:/],
      [JSON.stringify({ client: 'c1', seq: 1.5, op: { type: 'get', key: 'k' } }), /^seq:/],
      [JSON.stringify({ client: '', seq: 1, op: { type: 'get', key: 'k' } }), /^client:/],
      [JSON.stringify({ client: 'c1', seq: 1, op: { type: 'drop-table', key: 'k' } }), /^op\.type:/],
      [JSON.stringify({ client: 'c1', seq: 1, op: { type: 'put', key: 'k' } }), /^op\.value:/],
      [JSON.stringify({ client: 'c1', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841', extra: 1 } }), /^op:/],
      ['[]', /^body:/],
    ] as const;
    for (const [body, error] of bad) {
      const r = await request(port, 'POST', '/v1/command', body);
      expect(r.code, body).to.equal(400);
      expect((r.json as { error: string }).error, body).to.match(error);
      expect((r.json as { error: string }).error).to.not.include('\n');
    }
    expect(submit.callCount).to.equal(0);
    expect(parseCommand(JSON.stringify({ client: 'c', seq: 1, op: { type: 'cas', key: 'k', expect: null, value: 3 } }))).to.deep.equal({ ok: true, command: { client: 'c', seq: 1, op: { type: 'cas', key: 'k', expect: null, value: 3 } } });
  });

  it('GET /v1/status is the node status with its pid; 503 while the node is starting', async () => {
    const r = await request(port, 'GET', '/v1/status');
    expect(r.code).to.equal(200);
    expect(r.json).to.include({ id: 1, pid: process.pid, protocol: 'multipaxos', role: 'leader', leader: 1, leaderAddress: '127.0.0.1:8001', commit: 812, applied: 812, lastContactMs: 3 });
    expect((r.json as { ballot: unknown }).ballot).to.deep.equal({ round: 41, node: 1 });
    expect((r.json as { counters: { quorumAcknowledged: number } }).counters.quorumAcknowledged).to.equal(5);
    started = false;
    const starting = await request(port, 'GET', '/v1/status');
    expect(starting.code).to.equal(503);
    expect(starting.json).to.include({ status: 'starting' });
  });

  it('GET /metrics is Prometheus text with the seed stages as separate counters', async () => {
    metrics.observe({ stage: 'proposed', slot: 0, commands: 2 }, 1000);
    metrics.observe({ stage: 'quorum-acknowledged', slot: 0, commands: 2 }, 1003);
    metrics.observe({ stage: 'applied', slot: 0, commands: 2 }, 1004);
    metrics.rejection({ phase: 'accept', reason: 'promised-higher-ballot' });
    const r = await request(port, 'GET', '/metrics');
    expect(r.code).to.equal(200);
    /** The value of the sample `name` whose labels include `labels` (prom-client orders labels its own way). */
    const sample = (name: string, labels: Record<string, string>): number | undefined => {
      for (const line of r.text.split('\n')) {
        const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
        if (m === null || m[1] !== name) continue;
        const have = new Map(m[2]!.split(',').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, v.replace(/"/g, '')]));
        if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
      }
      return undefined;
    };
    const node = { node: '1', protocol: 'multipaxos' };
    expect(sample('synod_proposed_total', node)).to.equal(2);
    expect(sample('synod_quorum_acknowledged_total', node)).to.equal(2);
    expect(sample('synod_committed_total', node)).to.equal(0);
    expect(sample('synod_applied_total', node)).to.equal(2);
    expect(sample('synod_commit_latency_seconds_count', { ...node, to: 'quorum_acknowledged' })).to.equal(1);
    expect(sample('synod_commit_latency_seconds_bucket', { ...node, to: 'quorum_acknowledged', le: '0.0025' })).to.equal(0);
    expect(sample('synod_commit_latency_seconds_bucket', { ...node, to: 'quorum_acknowledged', le: '0.005' })).to.equal(1);
    expect(sample('synod_commit_latency_seconds_count', { ...node, to: 'applied' })).to.equal(1);
    expect(sample('synod_rejections_total', { ...node, phase: 'accept', reason: 'promised-higher-ballot' })).to.equal(1);
  });

  it('an unknown route is 404; a port in use is refused in one line', async () => {
    expect((await request(port, 'GET', '/v2/nothing')).code).to.equal(404);
    const other = createClientApi({ node: { id: 1, started: true, submit, status: () => STATUS }, clientAddresses: new Map() });
    const refused = await listen(other, '127.0.0.1', port).then(() => null, (e: Error) => e);
    expect(refused).to.be.instanceOf(AddressInUseError);
    expect(refused!.message).to.equal(`127.0.0.1:${port} is in use`);
  });
});
