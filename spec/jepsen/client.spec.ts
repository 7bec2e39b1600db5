import { expect } from 'chai';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterClient } from '../../jepsen/client';
import { JsonHttp } from '../../jepsen/http';

/** A node that answers each request with the next scripted reply and remembers what it got. */
interface Scripted {
  readonly address: string;
  readonly got: { client: string; seq: number }[];
  readonly server: http.Server;
}

async function scripted(replies: (() => { status: number; body: unknown } | 'hang')[]): Promise<Scripted> {
  const got: { client: string; seq: number }[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      got.push(JSON.parse(text) as { client: string; seq: number });
      const next = replies.shift();
      const reply = next === undefined ? { status: 500, body: { error: 'script ran out' } } : next();
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, got, server };
}

describe('jepsen: the cluster client (jepsen/client.ts)', () => {
  const servers: http.Server[] = [];
  const h = new JsonHttp();
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });
  after(() => h.close());

  async function nodes(...scripts: Parameters<typeof scripted>[0][]): Promise<Scripted[]> {
    const out = await Promise.all(scripts.map((s) => scripted(s)));
    servers.push(...out.map((s) => s.server));
    return out;
  }

  const ok = (value: unknown) => () => ({ status: 200, body: { status: 'ok', result: { ok: true, value } } });

  it('follows a redirect to the leader and retries the same (client, seq) through indeterminate and timeout answers', async () => {
    // node 1 redirects to 2; node 2, deposed, answers indeterminate (try another: 3); node 3
    // times out (try the next: 1); node 1 now applies it
    const [n1, n2, n3] = await nodes(
      [() => ({ status: 200, body: { status: 'redirect', leader: 2, address: null } }), ok(null)],
      [() => ({ status: 200, body: { status: 'indeterminate', leader: 2 } })],
      [() => ({ status: 503, body: { status: 'timeout' } })],
    );
    const client = new ClusterClient(h, { nodes: new Map([[1, n1!.address], [2, n2!.address], [3, n3!.address]]), opTimeoutMs: 3000, requestTimeoutMs: 500, backoffMs: 1 });
    const outcome = await client.run('c1', 7, { type: 'put', key: 'k', value: 'v' });
    expect(outcome).to.deep.include({ kind: 'applied', node: 1, result: { ok: true, value: null }, attempts: 4 });
    const all = [...n1!.got, ...n2!.got, ...n3!.got];
    expect(all).to.have.length(4);
    expect(all.every((g) => g.client === 'c1' && g.seq === 7)).to.equal(true);
  });

  it('moves past a node that refuses connections, and says "maybe not" only if nothing was sent', async () => {
    const [n2] = await nodes([ok(5)]);
    const client = new ClusterClient(h, { nodes: new Map([[1, '127.0.0.1:1'], [2, n2!.address]]), opTimeoutMs: 2000, requestTimeoutMs: 500, backoffMs: 1 });
    expect(await client.run('c2', 1, { type: 'get', key: 'k' })).to.deep.include({ kind: 'applied', node: 2, result: { ok: true, value: 5 } });
    const dead = new ClusterClient(h, { nodes: new Map([[1, '127.0.0.1:1']]), opTimeoutMs: 100, requestTimeoutMs: 50, backoffMs: 5 });
    expect(await dead.run('c3', 1, { type: 'get', key: 'k' })).to.deep.include({ kind: 'unknown', maybe: false });
  });

  it('gives up at the deadline with "may have happened" when a node went silent', async () => {
    const [n1] = await nodes([() => 'hang', () => 'hang', () => 'hang']);
    const client = new ClusterClient(h, { nodes: new Map([[1, n1!.address]]), opTimeoutMs: 300, requestTimeoutMs: 100 });
    const outcome = await client.run('c4', 1, { type: 'delete', key: 'k' });
    expect(outcome).to.deep.include({ kind: 'unknown', maybe: true });
  });

  it('stops the run on a 400 (the harness sent something the API does not accept) and on a result that is not a kv result', async () => {
    const [n1] = await nodes([() => ({ status: 400, body: { error: 'bad op' } }), () => ({ status: 200, body: { status: 'ok', result: { booked: true } } })]);
    const client = new ClusterClient(h, { nodes: new Map([[1, n1!.address]]), opTimeoutMs: 1000, requestTimeoutMs: 500 });
    let error: unknown;
    await client.run('c5', 1, { type: 'get', key: 'k' }).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('as malformed');
    error = undefined;
    await client.run('c5', 2, { type: 'get', key: 'k' }).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('not a key-value result');
  });
});
