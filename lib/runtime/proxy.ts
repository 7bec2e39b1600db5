/**
 * A fault-injecting TCP proxy for a cluster of real nodes: one listener per directed link
 * (node i -> node j) that forwards to node j's peer address. Node i is started with
 * `--peers j=<the proxy's address for i -> j>`, so every byte between two nodes crosses a link
 * the test controls, the way Jepsen's nemesis controls the network with iptables.
 *
 * A link is in one of four modes:
 * - `pass`: bytes are forwarded as they come;
 * - `delay`: bytes are forwarded after `delayMs`, in order;
 * - `blackhole`: bytes are held (the sockets stop reading, so the kernel's buffers fill and the
 *   sender's writes stall, as when packets are dropped and TCP retransmits); they flow again,
 *   late, when the link heals, unless the connection was closed meanwhile;
 * - `refuse`: the link's open connections are closed and new ones are accepted and closed at
 *   once (a peer that is reachable but refuses, or a cable pulled and plugged back).
 *
 * A connection opened by node i on link i -> j carries i's bytes to j under the mode of i -> j,
 * and whatever j answers on that same connection under the mode of j -> i, so a partition holds
 * whichever way a transport uses its connections (one per direction, or one per pair).
 *
 * Not a protocol driver: it reads no frame and imports nothing of synod. The test owns it
 * (`partition(groups)`, `heal()`, `setLink`); `close()` closes every listener and socket.
 */
import * as net from 'node:net';
import type { NodeId } from '../core/types';

export type LinkMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly delayMs: number }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'refuse' };

export interface LinkStats {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly mode: LinkMode['kind'];
  /** Connections accepted on this link (refused ones included). */
  readonly connections: number;
  /** Bytes forwarded in each direction of the link's connections: i -> j, and j's answers. */
  readonly bytesForward: number;
  readonly bytesBack: number;
}

export interface ProxyOptions {
  /** Every node's peer address (host:port) that the links forward to. */
  readonly targets: ReadonlyMap<NodeId, string>;
  /** Host the listeners bind (default 127.0.0.1). */
  readonly host?: string;
  /** The listen port of link (from, to); 0 (the default) lets the system choose. */
  readonly port?: (from: NodeId, to: NodeId) => number;
  /** How a partition cuts a link (default `blackhole`). */
  readonly cut?: 'blackhole' | 'refuse';
}

const PASS: LinkMode = { kind: 'pass' };

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`proxy: bad address ${JSON.stringify(address)} (expected host:port)`);
  }
  return { host: address.slice(0, colon), port };
}

/** One direction of one proxied connection: reads `source`, writes `sink`, obeys a link's mode. */
class Pipe {
  private held: Buffer[] = [];
  private inFlight = 0;
  private ended = false;
  bytes = 0;

  constructor(
    private readonly source: net.Socket,
    private readonly sink: net.Socket,
    private readonly mode: () => LinkMode,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      this.maybeEnd();
    });
  }

  private onData(chunk: Buffer): void {
    const mode = this.mode();
    switch (mode.kind) {
      case 'pass':
        if (this.held.length > 0 || this.inFlight > 0) this.held.push(chunk);
        else this.forward(chunk);
        return;
      case 'delay': {
        this.inFlight += 1;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.inFlight -= 1;
          this.forward(chunk);
          this.flush();
        }, mode.delayMs);
        this.timers.add(timer);
        return;
      }
      case 'blackhole':
        this.held.push(chunk);
        this.source.pause();
        return;
      case 'refuse':
        this.source.destroy();
        this.sink.destroy();
        return;
    }
  }

  private forward(chunk: Buffer): void {
    if (this.sink.destroyed) return;
    this.bytes += chunk.length;
    this.sink.write(chunk);
  }

  /** The link's mode changed (or a delayed chunk went out): release what it no longer holds. */
  flush(): void {
    const mode = this.mode();
    if (mode.kind === 'refuse') {
      this.source.destroy();
      this.sink.destroy();
      return;
    }
    if (mode.kind === 'blackhole') {
      this.source.pause();
      return;
    }
    if (this.inFlight > 0) return; // keep order: held bytes go after the delayed ones
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.onData(chunk);
    if (this.held.length === 0 && this.inFlight === 0 && this.source.isPaused()) this.source.resume();
    this.maybeEnd();
  }

  private maybeEnd(): void {
    if (this.ended && this.held.length === 0 && this.inFlight === 0 && !this.sink.destroyed) this.sink.end();
  }
}

interface Link {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly server: net.Server;
  readonly pipes: Set<Pipe>;
  readonly sockets: Set<net.Socket>;
  connections: number;
  bytesForward: number;
  bytesBack: number;
}

export class FaultProxy {
  private readonly modes = new Map<string, LinkMode>();
  private readonly links = new Map<string, Link>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly host: string;
  private readonly cut: 'blackhole' | 'refuse';
  private closed = false;

  private constructor(private readonly options: ProxyOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.cut = options.cut ?? 'blackhole';
    for (const address of options.targets.values()) splitAddress(address); // fail early on a bad address
    if (options.targets.size < 2) throw new Error('proxy: a cluster needs at least two nodes');
  }

  /** Starts one listener per directed link between the `targets`; resolves when all listen. */
  static async start(options: ProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    const ids = [...options.targets.keys()];
    try {
      for (const from of ids) {
        for (const to of ids) {
          if (from !== to) await proxy.listen(from, to);
        }
      }
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return proxy;
  }

  private listen(from: NodeId, to: NodeId): Promise<void> {
    const target = splitAddress(this.options.targets.get(to)!);
    const link: Link = {
      from,
      to,
      server: net.createServer(),
      pipes: new Set(),
      sockets: new Set(),
      connections: 0,
      bytesForward: 0,
      bytesBack: 0,
    };
    link.server.on('connection', (inbound) => this.accept(link, inbound, target));
    this.links.set(key(from, to), link);
    return new Promise((resolve, reject) => {
      link.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(`proxy: link ${from} -> ${to} cannot listen on ${this.host}:${this.options.port?.(from, to) ?? 0}: ${error.code ?? error.message}`)));
      link.server.listen(this.options.port?.(from, to) ?? 0, this.host, () => resolve());
    });
  }

  private accept(link: Link, inbound: net.Socket, target: { host: string; port: number }): void {
    link.connections += 1;
    inbound.on('error', () => undefined); // a reset peer is part of the weather
    if (this.closed || this.mode(link.from, link.to).kind === 'refuse') {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(target.port, target.host);
    outbound.on('error', () => undefined);
    outbound.setNoDelay(true);
    inbound.setNoDelay(true);
    const forward = new Pipe(inbound, outbound, () => this.mode(link.from, link.to), this.timers);
    const back = new Pipe(outbound, inbound, () => this.mode(link.to, link.from), this.timers);
    link.pipes.add(forward).add(back);
    link.sockets.add(inbound).add(outbound);
    const done = (): void => {
      inbound.destroy();
      outbound.destroy();
      if (!link.pipes.has(forward)) return;
      link.pipes.delete(forward);
      link.pipes.delete(back);
      link.sockets.delete(inbound);
      link.sockets.delete(outbound);
      link.bytesForward += forward.bytes;
      link.bytesBack += back.bytes;
    };
    inbound.on('close', done);
    outbound.on('close', done);
  }

  /** The address node `from` must use to reach node `to`. */
  address(from: NodeId, to: NodeId): string {
    const link = this.links.get(key(from, to));
    if (link === undefined) throw new Error(`proxy: no link ${from} -> ${to}`);
    const bound = link.server.address() as net.AddressInfo;
    return `${this.host}:${bound.port}`;
  }

  /** The `--peers` flag of node `id`: every other node, through its link. */
  peersFlag(id: NodeId): string {
    return [...this.options.targets.keys()].filter((to) => to !== id).map((to) => `${to}=${this.address(id, to)}`).join(',');
  }

  mode(from: NodeId, to: NodeId): LinkMode {
    return this.modes.get(key(from, to)) ?? PASS;
  }

  /** Sets one directed link's mode; held bytes flow again when a link goes back to pass or delay. */
  setLink(from: NodeId, to: NodeId, mode: LinkMode): void {
    if (!this.links.has(key(from, to))) throw new Error(`proxy: no link ${from} -> ${to}`);
    if (mode.kind === 'delay' && !(Number.isFinite(mode.delayMs) && mode.delayMs >= 0)) {
      throw new Error(`proxy: a delay must be a non-negative number of milliseconds, got ${mode.delayMs}`);
    }
    this.modes.set(key(from, to), mode);
    for (const link of [this.links.get(key(from, to))!, this.links.get(key(to, from))!]) {
      for (const pipe of link.pipes) pipe.flush();
    }
  }

  /**
   * Cuts every link between nodes of different groups, both ways, and heals the links inside a
   * group. A node in no group is cut from everyone: `partition([[1, 2]])` isolates 3.
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const group = new Map<NodeId, number>();
    groups.forEach((g, index) => {
      for (const id of g) {
        if (!this.options.targets.has(id)) throw new Error(`proxy: node ${id} is not in the cluster`);
        if (group.has(id)) throw new Error(`proxy: node ${id} is in two groups`);
        group.set(id, index);
      }
    });
    for (const link of this.links.values()) {
      const a = group.get(link.from);
      const together = a !== undefined && a === group.get(link.to);
      this.setLink(link.from, link.to, together ? PASS : { kind: this.cut });
    }
  }

  /** Every link back to pass. */
  heal(): void {
    for (const link of this.links.values()) this.setLink(link.from, link.to, PASS);
  }

  stats(): LinkStats[] {
    return [...this.links.values()].map((link) => {
      let forward = link.bytesForward;
      let back = link.bytesBack;
      const pipes = [...link.pipes]; // (forward, back) pairs, in insertion order
      for (let i = 0; i + 1 < pipes.length; i += 2) {
        forward += pipes[i]!.bytes;
        back += pipes[i + 1]!.bytes;
      }
      return { from: link.from, to: link.to, mode: this.mode(link.from, link.to).kind, connections: link.connections, bytesForward: forward, bytesBack: back };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.links.values()].map((link) => new Promise<void>((resolve) => {
      for (const socket of link.sockets) socket.destroy();
      if (!link.server.listening) {
        resolve();
        return;
      }
      link.server.close(() => resolve());
    })));
  }
}

function key(from: NodeId, to: NodeId): string {
  return `${from}->${to}`;
}
