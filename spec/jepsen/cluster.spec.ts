import { expect } from 'chai';
import * as net from 'node:net';
import { clusterPorts, firstFreeBase } from '../../jepsen/cluster';

// Ports 28800-28899 (this task's range for sockets opened by hand).
describe('jepsen: the cluster\'s port block (jepsen/cluster.ts)', () => {
  it('names every port of a cluster: nodes, client APIs, one proxy link per ordered pair', () => {
    expect(clusterPorts(100, 3)).to.deep.equal([101, 111, 102, 112, 103, 113, 120, 121, 122, 123, 124, 125, 126, 127, 128]);
  });

  it('moves to the next base when a port of a block is held, and says so when none is free', async () => {
    const held = net.createServer();
    await new Promise<void>((resolve) => held.listen(28800 + 25, '127.0.0.1', resolve)); // a proxy link of the first block
    try {
      expect(await firstFreeBase([28800, 28850], 3)).to.equal(28850);
      let error: unknown;
      await firstFreeBase([28800], 3).catch((e: unknown) => { error = e; });
      expect(String(error)).to.match(/no free block of ports for a 3-node cluster at bases 28800/);
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
    expect(await firstFreeBase([28800, 28850], 3)).to.equal(28800);
  });
});
