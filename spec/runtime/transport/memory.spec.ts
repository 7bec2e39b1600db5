import { expect } from 'chai';
import { MemoryNetwork, multiPaxosMessage, type MemoryTransport } from '../../../lib/runtime/transport';
import { accept, type Msg } from './helpers';

async function cluster(network: MemoryNetwork<Msg>, ids: readonly number[]): Promise<{ t: Map<number, MemoryTransport<Msg>>; got: Map<number, Msg[]> }> {
  const t = new Map<number, MemoryTransport<Msg>>();
  const got = new Map<number, Msg[]>();
  for (const id of ids) {
    const transport = network.transport(id);
    const inbox: Msg[] = [];
    await transport.start((m) => inbox.push(m));
    t.set(id, transport);
    got.set(id, inbox);
  }
  return { t, got };
}

const slots = (ms: readonly Msg[] | undefined): number[] => (ms ?? []).map((m) => (m.type === 'accept' ? m.slot : -1));

describe('runtime/transport MemoryTransport', () => {
  it('delivers on a later microtask, never inside send, a copy of what was sent', async () => {
    const net = new MemoryNetwork<Msg>();
    const { t, got } = await cluster(net, [1, 2]);
    const m = accept(1, 2, 5);
    t.get(1)?.send(2, m);
    expect(got.get(2)).to.deep.equal([]);
    await Promise.resolve();
    expect(got.get(2)).to.deep.equal([m]);
    expect(got.get(2)?.[0]).to.not.equal(m);
    expect(t.get(1)?.stats()).to.include({ framesSent: 1 });
    expect(t.get(2)?.stats()).to.include({ framesReceived: 1 });
  });

  it('holds messages in manual mode until the test delivers them, in order', async () => {
    const net = new MemoryNetwork<Msg>({ manual: true });
    const { t, got } = await cluster(net, [1, 2, 3]);
    t.get(1)?.send(2, accept(1, 2, 1));
    t.get(1)?.send(3, accept(1, 3, 2));
    t.get(1)?.send(2, accept(1, 2, 3));
    await Promise.resolve();
    expect(net.pending()).to.equal(3);
    expect(net.deliver()).to.equal(true);
    expect(slots(got.get(2))).to.deep.equal([1]);
    expect(net.deliverAll()).to.equal(2);
    expect(slots(got.get(2))).to.deep.equal([1, 3]);
    expect(slots(got.get(3))).to.deep.equal([2]);
    expect(net.deliver()).to.equal(false);
  });

  it('loses messages across a partition, a blocked direction or a drop filter, until healed', async () => {
    const net = new MemoryNetwork<Msg>({ manual: true });
    const { t, got } = await cluster(net, [1, 2, 3]);
    net.partition([1, 2], [3]);
    t.get(1)?.send(2, accept(1, 2, 1));
    t.get(1)?.send(3, accept(1, 3, 2));
    net.block(2, 1);
    t.get(2)?.send(1, accept(2, 1, 3));
    t.get(1)?.send(2, accept(1, 2, 4));
    net.dropWhen((m) => m.type === 'accept' && m.slot === 5);
    t.get(1)?.send(2, accept(1, 2, 5));
    net.deliverAll();
    expect(slots(got.get(2))).to.deep.equal([1, 4]);
    expect(slots(got.get(3))).to.deep.equal([]);
    expect(slots(got.get(1))).to.deep.equal([]);
    expect(net.dropped).to.equal(3);
    net.heal();
    t.get(2)?.send(1, accept(2, 1, 6));
    t.get(1)?.send(3, accept(1, 3, 7));
    net.deliverAll();
    expect(slots(got.get(1))).to.deep.equal([6]);
    expect(slots(got.get(3))).to.deep.equal([7]);
    net.unblock(2, 1);
  });

  it('with a validator, rejects and counts what TcpTransport would reject', async () => {
    const net = new MemoryNetwork<Msg>({ manual: true, validate: multiPaxosMessage });
    const { t, got } = await cluster(net, [1, 2]);
    t.get(1)?.send(2, accept(1, 3)); // to node 3, carried to node 2
    t.get(1)?.send(2, { ...accept(1, 2), slot: -1 } as Msg);
    t.get(1)?.send(2, accept(1, 2, 9));
    net.deliverAll();
    expect(slots(got.get(2))).to.deep.equal([9]);
    expect(t.get(2)?.stats().rejected).to.deep.equal({ misaddressed: 1, 'invalid-message': 1 });
  });

  it('loses messages to an unknown, unstarted or closed node, and refuses a second transport for one id', async () => {
    const net = new MemoryNetwork<Msg>({ manual: true });
    const { t, got } = await cluster(net, [1, 2]);
    const idle = net.transport(3);
    t.get(1)?.send(4, accept(1, 4));
    t.get(1)?.send(3, accept(1, 3));
    await t.get(2)?.close();
    t.get(1)?.send(2, accept(1, 2));
    t.get(2)?.send(1, accept(2, 1));
    net.deliverAll();
    expect(net.dropped).to.equal(3);
    expect(got.get(2)).to.deep.equal([]);
    expect(() => net.transport(1)).to.throw(/already has a transport/);
    await idle.start(() => undefined);
    let error: unknown = null;
    await idle.start(() => undefined).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});
