import { expect } from 'chai';
import * as net from 'node:net';
import { once } from 'node:events';
import { FaultProxy } from '../../lib/runtime/proxy';

/** A target node: records what each connection sent and answers every chunk with "ack:" + it. */
async function echoServer(): Promise<{ server: net.Server; address: string; received: string[] }> {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received.push(chunk.toString());
      socket.write(`ack:${chunk.toString()}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, received };
}

function connect(address: string): Promise<net.Socket> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host!, () => resolve(socket));
    socket.once('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Everything a socket reads within `ms`. */
async function readFor(socket: net.Socket, ms: number): Promise<string> {
  let text = '';
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
  };
  socket.on('data', onData);
  await sleep(ms);
  socket.off('data', onData);
  return text;
}

describe('jepsen: the fault-injecting proxy (lib/runtime/proxy.ts)', () => {
  let targets: Awaited<ReturnType<typeof echoServer>>[] = [];
  let proxy: FaultProxy;
  const sockets: net.Socket[] = [];

  beforeEach(async () => {
    targets = [await echoServer(), await echoServer(), await echoServer()];
    proxy = await FaultProxy.start({ targets: new Map(targets.map((t, i) => [i + 1, t.address])) });
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy.close();
    for (const t of targets) t.server.close();
  });

  async function open(from: number, to: number): Promise<net.Socket> {
    const s = await connect(proxy.address(from, to));
    s.on('error', () => undefined);
    sockets.push(s);
    return s;
  }

  it('forwards both ways on a passing link, and names one address per directed link', async () => {
    expect(proxy.peersFlag(1).split(',')).to.have.length(2);
    expect(proxy.address(1, 2)).to.not.equal(proxy.address(2, 1));
    const s = await open(1, 2);
    s.write('hello');
    expect(await readFor(s, 100)).to.equal('ack:hello');
    expect(targets[1]!.received).to.deep.equal(['hello']);
    const link = proxy.stats().find((l) => l.from === 1 && l.to === 2)!;
    expect(link).to.include({ connections: 1, bytesForward: 5, bytesBack: 9, mode: 'pass' });
  });

  it('holds the bytes of a blackholed link, then delivers them in order when it heals', async () => {
    const s = await open(1, 2);
    proxy.setLink(1, 2, { kind: 'blackhole' });
    s.write('one');
    await sleep(30);
    s.write('two');
    expect(await readFor(s, 150)).to.equal('');
    expect(targets[1]!.received).to.deep.equal([]);
    proxy.heal();
    const answer = await readFor(s, 150);
    expect(targets[1]!.received.join('')).to.equal('onetwo');
    expect(answer.startsWith('ack:one')).to.equal(true);
  });

  it('cuts the answers too: a partition blackholes j -> i on i\'s connection', async () => {
    const s = await open(1, 2);
    proxy.partition([[1], [2, 3]]);
    expect(proxy.mode(2, 1).kind).to.equal('blackhole');
    expect(proxy.mode(2, 3).kind).to.equal('pass');
    proxy.setLink(1, 2, { kind: 'pass' }); // only the way back stays cut
    s.write('ping');
    await sleep(100);
    expect(targets[1]!.received).to.deep.equal(['ping']);
    expect(await readFor(s, 100)).to.equal('');
    proxy.heal();
    expect(await readFor(s, 150)).to.equal('ack:ping');
  });

  it('closes and refuses connections on a refusing link', async () => {
    const s = await open(3, 1);
    const closed = once(s, 'close');
    proxy.setLink(3, 1, { kind: 'refuse' });
    await closed;
    const again = await open(3, 1);
    const text = await readFor(again, 100);
    expect(text).to.equal('');
    expect(again.destroyed || again.readableEnded).to.equal(true);
    proxy.heal();
    const healed = await open(3, 1);
    healed.write('back');
    expect(await readFor(healed, 100)).to.equal('ack:back');
  });

  it('delays a link by the given time, keeping the order', async () => {
    const s = await open(2, 3);
    proxy.setLink(2, 3, { kind: 'delay', delayMs: 120 });
    const start = Date.now();
    s.write('a');
    s.write('b');
    while (targets[2]!.received.join('') !== 'ab' && Date.now() - start < 1000) await sleep(5);
    expect(targets[2]!.received.join('')).to.equal('ab');
    expect(Date.now() - start).to.be.at.least(110);
  });

  it('rejects a partition that names an unknown node, or one node twice, and a bad delay', () => {
    expect(() => proxy.partition([[1, 4]])).to.throw('node 4 is not in the cluster');
    expect(() => proxy.partition([[1, 2], [2, 3]])).to.throw('node 2 is in two groups');
    expect(() => proxy.setLink(1, 2, { kind: 'delay', delayMs: -1 })).to.throw('non-negative');
    expect(() => proxy.setLink(1, 1, { kind: 'pass' })).to.throw('no link 1 -> 1');
  });

  it('isolates a node left out of every group', () => {
    proxy.partition([[1, 2]]);
    expect(proxy.mode(1, 2).kind).to.equal('pass');
    expect(proxy.mode(3, 1).kind).to.equal('blackhole');
    expect(proxy.mode(2, 3).kind).to.equal('blackhole');
  });
});
