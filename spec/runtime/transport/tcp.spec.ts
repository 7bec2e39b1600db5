import { expect } from 'chai';
import * as net from 'node:net';
import sinon from 'sinon';
import {
  backoffDelay,
  multiPaxosMessage,
  parseAddress,
  RateLimitedLog,
  TcpTransport,
  type TcpTransportOptions,
} from '../../../lib/runtime/transport';
import { accept, dial, eventually, frameOf, OTHER_SECRET, SECRET, writeAndWaitClose, type Msg } from './helpers';

// Ports 17100-17199 belong to these specs.
const FAST = { initialMs: 10, maxMs: 80 };

function node(self: number, port: number, peers: Record<number, number>, extra: Partial<TcpTransportOptions<Msg>> = {}): TcpTransport<Msg> {
  const peerAddresses = Object.fromEntries(Object.entries(peers).map(([id, p]) => [id, `127.0.0.1:${p}`]));
  return new TcpTransport<Msg>({ self, listen: `127.0.0.1:${port}`, peers: peerAddresses, secret: SECRET, validate: multiPaxosMessage, backoff: FAST, ...extra });
}

describe('runtime/transport TcpTransport', function () {
  this.timeout(20000);
  const open: TcpTransport<Msg>[] = [];
  const track = (t: TcpTransport<Msg>): TcpTransport<Msg> => {
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('delivers messages both ways and counts frames and bytes', async () => {
    const a = track(node(1, 17100, { 2: 17101 }));
    const b = track(node(2, 17101, { 1: 17100 }));
    const atA: Msg[] = [];
    const atB: Msg[] = [];
    await a.start((m) => atA.push(m));
    await b.start((m) => atB.push(m));
    a.send(2, accept(1, 2, 1));
    a.send(2, accept(1, 2, 2));
    b.send(1, accept(2, 1, 3));
    await eventually(() => atB.length === 2 && atA.length === 1, 'both deliveries');
    expect(atB.map((m) => m.type === 'accept' && m.slot)).to.deep.equal([1, 2]);
    expect(atB[0]).to.deep.equal(accept(1, 2, 1));
    const sa = a.stats();
    const sb = b.stats();
    expect(sa.framesSent).to.equal(2);
    expect(sb.framesReceived).to.equal(2);
    expect(sb.bytesReceived).to.equal(sa.bytesSent);
    expect(sb.rejected).to.deep.equal({});
  });

  it('a frame with a wrong HMAC changes nothing; the same frame with the right tag is delivered', async () => {
    const b = track(node(2, 17102, { 1: 17103 }));
    const got: Msg[] = [];
    await b.start((m) => got.push(m));
    const socket = await dial(17102);
    const forged = frameOf(accept(1, 2), 1, OTHER_SECRET);
    socket.write(forged);
    await eventually(() => b.stats().rejected['bad-hmac'] === 1, 'the bad-hmac rejection');
    expect(got).to.deep.equal([]);
    expect(b.stats().framesReceived).to.equal(0);
    // Same bytes, the tag replaced by the one under the cluster secret.
    const signed = Buffer.from(forged);
    frameOf(accept(1, 2), 1, SECRET).subarray(-32).copy(signed, signed.length - 32);
    expect(signed.subarray(0, -32).equals(forged.subarray(0, -32))).to.equal(true);
    socket.write(signed);
    await eventually(() => got.length === 1, 'the signed frame');
    expect(got[0]).to.deep.equal(accept(1, 2));
    expect(b.stats().rejected).to.deep.equal({ 'bad-hmac': 1 });
    socket.destroy();
  });

  it('rejects a correctly signed frame from a non-member, and a misaddressed message', async () => {
    const b = track(node(2, 17104, { 1: 17105 }));
    const got: Msg[] = [];
    await b.start((m) => got.push(m));
    const socket = await dial(17104);
    socket.write(frameOf(accept(9, 2), 9)); // node 9 knows the secret but is not a member
    socket.write(frameOf(accept(3, 2), 1)); // member 1 claims to relay node 3's message
    socket.write(frameOf(accept(1, 3), 1)); // for node 3, delivered to node 2
    socket.write(frameOf({ type: 'accept', from: 1, to: 2 }, 1)); // signed, but not a message
    socket.write(frameOf(accept(1, 2), 1));
    await eventually(() => got.length === 1, 'the one good message');
    expect(b.stats().rejected).to.deep.equal({ 'non-member': 1, misaddressed: 2, 'invalid-message': 1 });
    socket.destroy();
  });

  it('closes a connection that sends an oversized or malformed length, and keeps serving others', async () => {
    const b = track(node(2, 17106, { 1: 17107 }, { maxFrameBytes: 1024 }));
    const got: Msg[] = [];
    await b.start((m) => got.push(m));
    const big = Buffer.alloc(4);
    big.writeUInt32BE(1025);
    expect(await writeAndWaitClose(await dial(17106), big)).to.equal(true);
    expect(await writeAndWaitClose(await dial(17106), Buffer.from([0, 0, 0, 3, 1, 2, 3]))).to.equal(true);
    expect(b.stats().rejected).to.deep.equal({ oversized: 1, malformed: 1 });
    const socket = await dial(17106);
    socket.write(frameOf(accept(1, 2), 1));
    await eventually(() => got.length === 1, 'a good frame on a new connection');
    socket.destroy();
  });

  it('reconnects after the peer restarts, and messages flow again', async () => {
    const a = track(node(1, 17110, { 2: 17111 }));
    const first: Msg[] = [];
    const b1 = node(2, 17111, { 1: 17110 });
    await a.start(() => undefined);
    await b1.start((m) => first.push(m));
    a.send(2, accept(1, 2, 1));
    await eventually(() => first.length === 1, 'delivery before the restart');
    await b1.close();
    await eventually(() => a.stats().connected.length === 0, 'a to see the connection drop');
    const second: Msg[] = [];
    const b2 = track(node(2, 17111, { 1: 17110 }));
    await b2.start((m) => second.push(m));
    await eventually(() => a.stats().connected.includes(2), 'a to reconnect');
    a.send(2, accept(1, 2, 2));
    await eventually(() => second.length === 1, 'delivery after the restart');
    expect(second[0]).to.deep.equal(accept(1, 2, 2));
  });

  it('holds frames for an unreachable peer in a bounded queue, dropping the oldest, and sends the rest once it is up', async () => {
    const a = track(node(1, 17112, { 2: 17113 }, { queueLimit: 3 }));
    await a.start(() => undefined);
    for (let slot = 1; slot <= 5; slot += 1) a.send(2, accept(1, 2, slot));
    expect(a.stats().dropped).to.deep.equal({ 'queue-full': 2 });
    const got: Msg[] = [];
    const b = track(node(2, 17113, { 1: 17112 }));
    await b.start((m) => got.push(m));
    await eventually(() => got.length === 3, 'the queued frames');
    expect(got.map((m) => m.type === 'accept' && m.slot)).to.deep.equal([3, 4, 5]);
  });

  it('never throws on send: an unknown peer or a closed transport drops the message and counts it', async () => {
    const a = track(node(1, 17114, { 2: 17115 }, { maxFrameBytes: 1024 }));
    await a.start(() => undefined);
    a.send(5, accept(1, 5));
    a.send(2, { ...accept(1, 2), value: { kind: 'batch', commands: [{ client: 'x'.repeat(1024), seq: 1, op: { type: 'get', key: 'k' } }] } } as Msg);
    const cyclic = accept(1, 2) as Msg & { self?: unknown };
    cyclic.self = cyclic;
    a.send(2, cyclic);
    await a.close();
    a.send(2, accept(1, 2));
    expect(a.stats().dropped).to.deep.equal({ 'unknown-peer': 1, oversized: 1, unencodable: 1, closed: 1 });
  });

  it('close ends the server, every socket and every reconnection timer', async () => {
    const handles = (): string[] => process.getActiveResourcesInfo().filter((r) => /Timeout|TCP/.test(r)).sort();
    await new Promise((r) => setImmediate(r)); // (mocha arms its test timer once the test is running)
    const before = handles();
    // A long backoff: after the first refused attempt a reconnection timer stays pending for seconds.
    const a = node(1, 17116, { 2: 17117 }, { backoff: { initialMs: 5000, maxMs: 5000 } });
    await a.start(() => undefined);
    const inbound = await dial(17116); // an inbound connection, held open by the stranger
    const timers = (): number => handles().filter((r) => r === 'Timeout').length;
    await eventually(() => timers() > before.filter((r) => r === 'Timeout').length, 'the reconnection timer');
    await a.close();
    await eventually(() => inbound.destroyed || inbound.readableEnded, 'the inbound connection to end');
    inbound.destroy();
    // Handles close on the next turns of the loop; poll until they are all gone (a leaked timer would stay for seconds).
    await eventually(() => JSON.stringify(handles()) === JSON.stringify(before), `only [${before.join(', ')}] to be left`, 1000);
    // Nothing listens any more.
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: 17116 });
      s.once('connect', () => resolve(false));
      s.once('error', () => resolve(true));
    });
    expect(refused).to.equal(true);
  });

  it('fails to start on a port in use with a clear error', async () => {
    const a = track(node(1, 17118, { 2: 17119 }));
    await a.start(() => undefined);
    const b = node(3, 17118, { 2: 17119 });
    let error: Error | null = null;
    await b.start(() => undefined).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect((error as unknown as Error).message).to.equal('synod: 127.0.0.1:17118 is in use');
    await b.close();
  });

  it('refuses bad options with one-line errors', () => {
    expect(() => node(1, 17120, { 1: 17121 })).to.throw(/node 1 is this node/);
    expect(() => new TcpTransport<Msg>({ self: 1, listen: 'nowhere', peers: {}, secret: SECRET, validate: multiPaxosMessage })).to.throw(/'nowhere' is not an address/);
    expect(() => new TcpTransport<Msg>({ self: 0, listen: '127.0.0.1:1', peers: {}, secret: SECRET, validate: multiPaxosMessage })).to.throw(/positive integer/);
    expect(() => node(1, 17120, { 2: 17121 }, { queueLimit: 0 })).to.throw(/at least 1 frame/);
    expect(parseAddress('[::1]:7001')).to.deep.equal({ host: '::1', port: 7001 });
    expect(parseAddress('harbor-2:7002')).to.deep.equal({ host: 'harbor-2', port: 7002 });
    expect(() => parseAddress('127.0.0.1:70000')).to.throw(/not an address/);
  });

  it('backs off exponentially with jitter, up to the cap', () => {
    const o = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, o, () => 0)).to.equal(50);
    expect(backoffDelay(0, o, () => 1)).to.equal(100);
    expect(backoffDelay(2, o, () => 1)).to.equal(400);
    expect(backoffDelay(3, o, () => 0.5)).to.equal(600);
    for (const attempt of [4, 10, 1000]) {
      expect(backoffDelay(attempt, o, () => 0)).to.equal(500);
      expect(backoffDelay(attempt, o, () => 1)).to.equal(1000);
    }
  });

  it('logs a flood of rejections once per reason per interval, with the count it held back', () => {
    const logger = { warn: sinon.spy(), info: sinon.spy(), debug: sinon.spy() };
    let now = 0;
    const log = new RateLimitedLog(logger, 1000, () => now);
    for (let i = 0; i < 100; i += 1) log.warn('bad-hmac', { i }, 'frame rejected: bad-hmac');
    log.warn('non-member', { i: 0 }, 'frame rejected: non-member');
    expect(logger.warn.callCount).to.equal(2);
    now = 1000;
    log.warn('bad-hmac', { i: 100 }, 'frame rejected: bad-hmac');
    expect(logger.warn.callCount).to.equal(3);
    expect(logger.warn.lastCall.args[0]).to.deep.equal({ i: 100, suppressed: 99 });
  });
});
