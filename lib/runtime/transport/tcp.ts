/**
 * `TcpTransport`: node-to-node messages over TCP, in the frames of frame.ts.
 *
 * - Outbound: one connection per peer, opened at `start` and reopened after it breaks, with
 *   exponential backoff and jitter (capped). Each peer has a bounded send queue: while the
 *   connection is down or the socket pushes back, frames wait there; when it is full the oldest
 *   frame is dropped and counted (the protocols retransmit; a fresh message is worth more than
 *   a stale one). Sending never throws.
 * - Inbound: connections are accepted from anyone, and every frame is checked on its own:
 *   length and version, the HMAC under the cluster secret, the sender's membership, the
 *   message's schema, and its `from` (the authenticated sender) and `to` (this node). A frame
 *   that fails is dropped, counted in `stats().rejected` under its reason and logged
 *   (rate-limited), and changes nothing; a length that breaks the framing (malformed or
 *   oversized) also closes the connection. Nothing a peer sends is thrown out of the event loop.
 * - `close` ends every socket, the server and every timer.
 *
 * An exception thrown by the `onMessage` handler itself is not caught here: that is the
 * driver's bug, and it should stop the node loudly, not be counted as a bad frame.
 */
import * as net from 'node:net';
import type { Addressed } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import type { Transport, TransportStats } from '../contracts';
import { encodeMessage } from './codec';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, type RejectReason } from './frame';
import { RateLimitedLog, SILENT, type TransportLogger } from './log';
import { Receiver } from './receiver';
import type { MessageValidator } from './validate';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:7001`, `localhost:7001` or `[::1]:7001`; throws an Error naming the bad address. */
export function parseAddress(text: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 0 && port <= 65535)) throw new Error(`synod: '${text}' is not an address (host:port, port 0-65535)`);
  return { host: m[1] ?? m[2] ?? '', port };
}

export interface BackoffOptions {
  /** The first retry's delay before jitter, in ms (default 50). */
  readonly initialMs?: number;
  /** The cap, in ms (default 2000). */
  readonly maxMs?: number;
}

/**
 * The delay before reconnection attempt `attempt` (0 for the first retry): the exponential
 * delay min(max, initial * 2^attempt), of which a random half is taken off ("equal jitter"),
 * so peers that lost each other at the same moment do not retry in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const initial = options.initialMs ?? 50;
  const max = options.maxMs ?? 2000;
  const exp = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return exp / 2 + random() * (exp / 2);
}

export interface TcpTransportOptions<M> {
  /** This node's id (the sender of every frame it writes). */
  readonly self: NodeId;
  /** Where to listen: `host:port` (port 0 picks a free port; `address()` tells which). */
  readonly listen: string;
  /** The other members: id -> `host:port`. A frame from an id not listed here is rejected. */
  readonly peers: ReadonlyMap<NodeId, string> | Readonly<Record<number, string>>;
  /** The cluster secret every member shares (see `clusterSecret` in frame.ts). */
  readonly secret: Buffer;
  /** Checks a decoded payload: `multiPaxosMessage` or `raftMessage`. */
  readonly validate: MessageValidator<M>;
  /** The largest frame length accepted (default 4 MiB); larger frames are `oversized`. */
  readonly maxFrameBytes?: number;
  /** Frames held per peer while it is unreachable or slow (default 1024); the oldest go first. */
  readonly queueLimit?: number;
  readonly backoff?: BackoffOptions;
  /** How long a connection attempt may take, in ms (default 2000). */
  readonly connectTimeoutMs?: number;
  /** Inbound connections held at once (default 64); more are closed on arrival. */
  readonly maxInbound?: number;
  readonly logger?: TransportLogger;
  /** One rejection warning per reason per this many ms (default 5000). */
  readonly logIntervalMs?: number;
  /** For tests: the jitter's randomness and the log limiter's clock. */
  readonly random?: () => number;
  readonly now?: () => number;
}

/** The transport's own counters, beyond `TransportStats`: frames it dropped on the sending side. */
export interface TcpTransportStats extends TransportStats {
  /** Frames dropped before they were written: `queue-full` (oldest dropped), `unknown-peer`, `unencodable`, `oversized`, `closed`. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Peers with an open outbound connection. */
  readonly connected: readonly NodeId[];
}

interface Peer {
  readonly id: NodeId;
  readonly address: HostPort;
  socket: net.Socket | null;
  connected: boolean;
  /** The socket asked us to wait for 'drain'. */
  blocked: boolean;
  /** Writes of this turn of the event loop are being gathered (socket.cork) into one. */
  corked: boolean;
  readonly queue: Buffer[];
  attempt: number;
  timer: NodeJS.Timeout | null;
}

function peerMap(peers: TcpTransportOptions<unknown>['peers']): Map<NodeId, HostPort> {
  const entries: [NodeId, string][] = peers instanceof Map ? [...peers] : Object.entries(peers).map(([id, a]) => [Number(id), a as string]);
  const out = new Map<NodeId, HostPort>();
  for (const [id, address] of entries) {
    if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new Error(`synod: a peer id is a positive integer, got '${id}'`);
    out.set(id, parseAddress(address));
  }
  return out;
}

export class TcpTransport<M extends Addressed> implements Transport<M> {
  private readonly self: NodeId;
  private readonly listenAt: HostPort;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly secret: Buffer;
  private readonly validate: MessageValidator<M>;
  private readonly maxFrameBytes: number;
  private readonly queueLimit: number;
  private readonly backoff: BackoffOptions;
  private readonly connectTimeoutMs: number;
  private readonly maxInbound: number;
  private readonly logger: TransportLogger;
  private readonly limited: RateLimitedLog;
  private readonly random: () => number;
  private readonly inbound = new Set<net.Socket>();
  private server: net.Server | null = null;
  private onMessage: ((message: M) => void) | null = null;
  private closed = false;
  private counters = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 };
  private readonly rejected: Record<string, number> = {};
  private readonly dropped: Record<string, number> = {};

  constructor(options: TcpTransportOptions<M>) {
    if (!Number.isInteger(options.self) || options.self < 1 || options.self > 0xffffffff) throw new Error(`synod: a node id is a positive integer, got ${options.self}`);
    this.self = options.self;
    this.listenAt = parseAddress(options.listen);
    for (const [id, address] of peerMap(options.peers)) {
      if (id === this.self) throw new Error(`synod: node ${id} is this node; list only the other members as peers`);
      this.peers.set(id, { id, address, socket: null, connected: false, blocked: false, corked: false, queue: [], attempt: 0, timer: null });
    }
    if (options.secret.length === 0) throw new Error('synod: the cluster secret is empty');
    this.secret = options.secret;
    this.validate = options.validate;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.queueLimit = options.queueLimit ?? 1024;
    if (!Number.isInteger(this.queueLimit) || this.queueLimit < 1) throw new Error(`synod: the send queue holds at least 1 frame, got ${this.queueLimit}`);
    this.backoff = options.backoff ?? {};
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.maxInbound = options.maxInbound ?? 64;
    this.logger = options.logger ?? SILENT;
    this.random = options.random ?? Math.random;
    this.limited = new RateLimitedLog(this.logger, options.logIntervalMs ?? 5000, options.now ?? Date.now);
    // Fail on a bad maximum now, not on the first connection.
    new FrameDecoder({ secret: this.secret, maxFrameBytes: this.maxFrameBytes });
  }

  start(onMessage: (message: M) => void): Promise<void> {
    if (this.server !== null || this.closed) return Promise.reject(new Error('synod: a transport starts once'));
    this.onMessage = onMessage;
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const failed = (e: NodeJS.ErrnoException): void => {
        reject(new Error(e.code === 'EADDRINUSE' ? `synod: ${this.listenAt.host}:${this.listenAt.port} is in use` : `synod: cannot listen on ${this.listenAt.host}:${this.listenAt.port}: ${e.message}`));
      };
      server.once('error', failed);
      server.listen(this.listenAt.port, this.listenAt.host, () => {
        server.off('error', failed);
        server.on('error', (e) => this.logger.warn({ err: e.message }, 'transport server error'));
        this.logger.info({ node: this.self, listen: this.address() }, 'transport listening');
        for (const peer of this.peers.values()) this.connect(peer);
        resolve();
      });
    });
  }

  /** Where the server listens (after `start`); with port 0, the port the system picked. */
  address(): HostPort {
    const a = this.server?.address();
    if (a === null || a === undefined || typeof a === 'string') return this.listenAt;
    return { host: a.address, port: a.port };
  }

  send(to: NodeId, message: M): number {
    if (this.closed) {
      this.drop('closed');
      return 0;
    }
    const peer = this.peers.get(to);
    if (peer === undefined) {
      this.drop('unknown-peer');
      this.logger.debug({ to }, 'send to a node that is not a peer dropped');
      return 0;
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(this.self, encodeMessage(message), this.secret);
    } catch (e) {
      // A message that cannot be serialized (a cycle, a BigInt) is the caller's bug; sending still never throws.
      this.drop('unencodable');
      this.logger.warn({ to, err: (e as Error).message }, 'message could not be encoded; dropped');
      return 0;
    }
    if (frame.length - 4 > this.maxFrameBytes) {
      // The peer would reject it as oversized and close the connection; drop it here instead (the cluster shares one maximum).
      this.drop('oversized');
      this.logger.warn({ to, bytes: frame.length }, 'message larger than the maximum frame size; dropped');
      return frame.length;
    }
    if (peer.connected && !peer.blocked && peer.queue.length === 0) this.write(peer, frame);
    else this.enqueue(peer, frame);
    return frame.length;
  }

  stats(): TcpTransportStats {
    return {
      ...this.counters,
      rejected: { ...this.rejected },
      dropped: { ...this.dropped },
      connected: [...this.peers.values()].filter((p) => p.connected).map((p) => p.id),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) {
      if (peer.timer !== null) clearTimeout(peer.timer);
      peer.timer = null;
      peer.socket?.destroy();
      peer.socket = null;
      peer.connected = false;
      peer.queue.length = 0;
    }
    for (const socket of this.inbound) socket.destroy();
    this.inbound.clear();
    const server = this.server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- outbound ---

  private connect(peer: Peer): void {
    if (this.closed) return;
    peer.timer = null;
    const socket = net.connect({ host: peer.address.host, port: peer.address.port });
    peer.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy(new Error(`connect timed out after ${this.connectTimeoutMs} ms`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 1000);
      peer.connected = true;
      peer.blocked = false;
      peer.attempt = 0;
      this.logger.info({ peer: peer.id, address: `${peer.address.host}:${peer.address.port}` }, 'connected to peer');
      this.flush(peer);
    });
    socket.on('drain', () => {
      peer.blocked = false;
      this.flush(peer);
    });
    // A peer has nothing to say on our outbound connection; whatever it sends is read as frames all the same.
    const receiver = this.receiver();
    socket.on('data', (chunk: Buffer) => this.receive(socket, receiver, chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ peer: peer.id, err: e.code ?? e.message }, 'peer connection error'));
    socket.once('close', () => {
      const wasConnected = peer.connected;
      peer.connected = false;
      peer.blocked = false;
      if (peer.socket === socket) peer.socket = null;
      if (this.closed) return;
      if (wasConnected) this.logger.info({ peer: peer.id }, 'lost the connection to peer');
      const delay = backoffDelay(peer.attempt, this.backoff, this.random);
      peer.attempt += 1;
      peer.timer = setTimeout(() => this.connect(peer), delay);
    });
  }

  private enqueue(peer: Peer, frame: Buffer): void {
    if (peer.queue.length >= this.queueLimit) {
      peer.queue.shift();
      this.drop('queue-full');
    }
    peer.queue.push(frame);
  }

  private flush(peer: Peer): void {
    while (peer.connected && !peer.blocked && peer.queue.length > 0) {
      const frame = peer.queue.shift() as Buffer;
      this.write(peer, frame);
    }
  }

  private write(peer: Peer, frame: Buffer): void {
    const socket = peer.socket;
    if (socket === null) return this.enqueue(peer, frame);
    this.counters.framesSent += 1;
    this.counters.bytesSent += frame.length;
    // The sends of one step (and of one group commit) leave in one write, not one syscall each.
    if (!peer.corked) {
      peer.corked = true;
      socket.cork();
      process.nextTick(() => {
        peer.corked = false;
        socket.uncork();
      });
    }
    if (!socket.write(frame)) peer.blocked = true;
  }

  private drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  // --- inbound ---

  private accept(socket: net.Socket): void {
    if (this.closed || this.inbound.size >= this.maxInbound) {
      this.limited.warn('inbound-limit', { remote: socket.remoteAddress, limit: this.maxInbound }, 'inbound connection refused: too many open');
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const receiver = this.receiver();
    socket.on('data', (chunk: Buffer) => this.receive(socket, receiver, chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => this.logger.debug({ remote: socket.remoteAddress, err: e.code ?? e.message }, 'inbound connection error'));
    socket.once('close', () => this.inbound.delete(socket));
  }

  private receiver(): Receiver<M> {
    return new Receiver<M>({ self: this.self, isMember: (id) => this.peers.has(id), secret: this.secret, validate: this.validate, maxFrameBytes: this.maxFrameBytes });
  }

  private receive(socket: net.Socket, receiver: Receiver<M>, chunk: Buffer): void {
    if (this.closed) return;
    this.counters.bytesReceived += chunk.length;
    for (const item of receiver.push(chunk)) {
      if (item.kind === 'rejected') {
        this.reject(item.reason, { remote: socket.remoteAddress, ...(item.sender === undefined ? {} : { sender: item.sender }), detail: item.detail });
        if (item.fatal) socket.destroy();
        continue;
      }
      this.counters.framesReceived += 1;
      this.onMessage?.(item.message);
      if (this.closed) return;
    }
  }

  private reject(reason: RejectReason, detail: Record<string, unknown>): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    this.limited.warn(reason, { node: this.self, reason, ...detail }, `frame rejected: ${reason}`);
  }
}
