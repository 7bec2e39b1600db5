import * as net from 'node:net';
import type { MultiMessage } from '../../../lib/multipaxos/messages';
import type { NodeOp } from '../../../lib/runtime/transport';
import { clusterSecret, encodeFrame, encodeMessage } from '../../../lib/runtime/transport';
import { subjectEntry } from '../../../lib/sim/registry';
import { simulate } from '../../../lib/sim/simulator';
import { allFaults } from '../../../lib/sim/profiles';
import { TraceRecorder } from '../../../lib/sim/trace';

export const SECRET = clusterSecret('harbor-point-cluster-secret');
export const OTHER_SECRET = clusterSecret('not-the-cluster-secret!');

export type Msg = MultiMessage<NodeOp>;

/** A real-looking accept of the Harbor Point story: reserve S12 for #8841 in slot 812. */
export function accept(from: number, to: number, slot = 812): Msg {
  return {
    type: 'accept',
    from,
    to,
    ballot: { round: 41, node: from },
    slot,
    value: { kind: 'batch', commands: [{ client: 'terminal-a', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '8841' } }] },
    commit: slot,
  };
}

/** A frame carrying `message`, signed by `sender` under `secret`. */
export function frameOf(message: object, sender: number, secret: Buffer = SECRET, version?: number): Buffer {
  return encodeFrame(sender, Buffer.from(JSON.stringify(message), 'utf8'), secret, version);
}

export { encodeMessage };

/** Every message sent in simulator runs of `protocol` (3 nodes, all faults), as JSON values. */
export function simulatedMessages(protocol: 'multipaxos' | 'raft', seeds: number): unknown[] {
  const entry = subjectEntry(protocol);
  if (entry === undefined) throw new Error(protocol);
  const out: unknown[] = [];
  for (let seed = 1; seed <= seeds; seed += 1) {
    const trace = new TraceRecorder();
    // Multi-Paxos: every other seed with log compaction and read-index reads, so the snapshot and
    // heartbeat-ack messages (off by default) are on the wire too.
    const extra = protocol === 'multipaxos' && seed % 2 === 0 ? { snapshotEvery: 2, reads: 'read-index' as const } : {};
    simulate(entry.build({ nodes: 3, ...extra }), allFaults(seed), trace);
    for (const e of trace.events) if (e.type === 'send') out.push(JSON.parse(JSON.stringify(e.message)));
  }
  return out;
}

/** Resolves once `done()` holds, checking every few ms; rejects after `ms` with `what`. */
export async function eventually(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Opens a raw TCP connection (a stranger, or a peer speaking by hand). */
export function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `bytes` and resolves when the server has closed the connection or `ms` passed. */
export function writeAndWaitClose(socket: net.Socket, bytes: Buffer, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}
