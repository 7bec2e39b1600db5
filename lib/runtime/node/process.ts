/**
 * One synod node as an operating-system process: the file log in its data directory, TCP to
 * its peers under the cluster secret, the driver, the client API, metrics and logs. What
 * `synod node` runs (lib/cli/node.ts parses the flags into a `NodeProcessConfig`).
 */
import { createHash, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import pino from 'pino';
import type { Addressed } from '../../core/protocol';
import type { NodeId } from '../../core/types';
import type { HarborOp, HarborResult } from '../../machine/harbor';
import { FileLog, multiPaxosCodecs, raftCodecs } from '../storage';
import { clusterSecret, multiPaxosMessage, raftMessage, TcpTransport } from '../transport';
import type { DurableLog, Transport } from '../contracts';
import type { ProtocolAdapter, ProtocolName } from './adapter';
import { DEFAULT_SNAPSHOT_EVERY, fileSnapshotChanges, multiPaxosNodeAdapter, raftNodeAdapter } from './config';
import type { NodeTimings } from './driver';
import { NodeDriver } from './driver';
import { createClientApi, listen, parseAddress } from './http';
import { NodeMetrics } from './metrics';
import { SnapshotWatch } from './snapshots';
import type { DurableChange, MultiNodeState, MultiRecord, OwnVote } from '../../multipaxos/state';
import type { MultiMessage } from '../../multipaxos/messages';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface NodeProcessConfig {
  readonly id: NodeId;
  /** host:port of the peer transport. */
  readonly listen: string;
  /** The other members: id -> host:port of their peer transport. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Every member's client address, this node's included (for redirects). */
  readonly clientAddresses: ReadonlyMap<NodeId, string>;
  readonly data: string;
  readonly secretFile: string;
  readonly protocol: ProtocolName;
  /** Written in the log's header; a data directory of another cluster is refused. Default: derived from the secret. */
  readonly clusterId?: string;
  readonly logLevel: LogLevel;
  readonly timings?: Partial<NodeTimings>;
  /**
   * Multi-Paxos log compaction every this many applied slots (0: off; default 4096, config.ts
   * `DEFAULT_SNAPSHOT_EVERY`). Unless `timings.snapshotEvery` says otherwise, the driver's file
   * snapshot follows it (`fileSnapshotChanges`). Raft ignores it.
   */
  readonly snapshotEvery?: number;
  /** How the Multi-Paxos leader's own acceptor votes (default `parallel`, config.ts `DEFAULT_OWN_VOTE`). Raft ignores it. */
  readonly ownVote?: OwnVote;
}

/**
 * Bytes of zeros a node keeps written ahead of its log's last record (lib/runtime/storage
 * file-log.ts `preallocate`): its group commits then overwrite blocks the file already has, and
 * each fdatasync writes the data without the inode of a growing file. 4 MiB: the zeros are
 * written 2 MiB at a time, in the background, a few milliseconds of disk time each.
 */
export const LOG_PREALLOCATE = 4 * 1024 * 1024;

/** The default cluster id: a digest of the secret, so every node with the same secret agrees and the secret itself is not written. */
export function clusterIdFromSecret(secret: Buffer): string {
  return createHash('sha256').update('synod cluster id\0').update(secret).digest('hex').slice(0, 16);
}

/** Reads the secret file: a one-line error if it is missing or too short. */
export async function readSecret(file: string): Promise<Buffer> {
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (e) {
    throw new Error(`cannot read the secret file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return clusterSecret(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.replace(/^synod: /, '')}`);
  }
}

export interface RunningNode {
  readonly driver: { readonly id: NodeId; stop(): Promise<void> };
  readonly clusterId: string;
  readonly clientAddress: string;
  /** Resolves once the node stopped: 0 after `stop`, 1 after a fatal error. */
  readonly stopped: Promise<number>;
  stop(): Promise<void>;
}

type AnyDriver = NodeDriver<unknown, Addressed, unknown, unknown, unknown, HarborOp, HarborResult>;

/** Starts the node; rejects with a one-line Error (port in use, another cluster's data directory, a corrupt log). */
export async function startNode(config: NodeProcessConfig): Promise<RunningNode> {
  const secret = await readSecret(config.secretFile);
  const clusterId = config.clusterId ?? clusterIdFromSecret(secret);
  const logger = pino({ level: config.logLevel, base: { node: config.id, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
  const nodes = [config.id, ...config.peers.keys()].sort((a, b) => a - b);
  const seed = randomInt(0, 0x7fffffff);
  const snapshotEvery = config.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 0) throw new Error(`the snapshot interval is a whole number of slots >= 0 (0: off), got ${snapshotEvery}`);
  const timing = { nodes, seed, snapshotEvery, ...(config.ownVote === undefined ? {} : { ownVote: config.ownVote }) };
  // Raft has no compaction here: its file snapshot (the whole record) keeps the old bound.
  const timings: Partial<NodeTimings> = { snapshotEvery: fileSnapshotChanges(config.protocol === 'raft' ? 0 : snapshotEvery), ...config.timings };
  const metrics = new NodeMetrics({ node: config.id, protocol: config.protocol }, { processMetrics: true });
  let adapter: ProtocolAdapter<unknown, Addressed, unknown, unknown, unknown, HarborOp, HarborResult>;
  let log: DurableLog<unknown, unknown>;
  let transport: Transport<Addressed>;
  let watch: SnapshotWatch | null = null;
  const common = { self: config.id, listen: config.listen, peers: config.peers, secret, logger: logger.child({ component: 'transport' }) };
  if (config.protocol === 'raft') {
    adapter = raftNodeAdapter(timing) as unknown as typeof adapter;
    log = new FileLog({ directory: config.data, cluster: clusterId, node: config.id, preallocate: LOG_PREALLOCATE, ...raftCodecs<HarborOp>() }) as unknown as typeof log;
    transport = new TcpTransport({ ...common, validate: raftMessage }) as unknown as typeof transport;
  } else {
    adapter = multiPaxosNodeAdapter(timing) as unknown as typeof adapter;
    // The snapshot point of the running node: `driver` is made below, and read only once it runs.
    watch = new SnapshotWatch(() => (driver.protocolState as MultiNodeState<unknown, unknown, unknown> | undefined)?.learner.snapshot?.slot ?? 0);
    const fileLog = new FileLog<DurableChange<HarborOp>, MultiRecord<HarborOp>>({ directory: config.data, cluster: clusterId, node: config.id, preallocate: LOG_PREALLOCATE, ...multiPaxosCodecs<HarborOp>() });
    log = watch.log(fileLog) as unknown as typeof log;
    transport = watch.transport(new TcpTransport<MultiMessage<HarborOp>>({ ...common, validate: multiPaxosMessage })) as unknown as typeof transport;
  }
  let resolveStopped: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => {
    resolveStopped = resolve;
  });
  let server: Server | null = null;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      if (server === null) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const driver: AnyDriver = new NodeDriver({
    id: config.id,
    adapter,
    log,
    transport,
    metrics,
    logger,
    timings,
    onFatal: () => {
      void closeServer().then(() => resolveStopped(1));
    },
  });
  const client = parseAddress(config.clientAddresses.get(config.id) ?? '', 'the client address');
  const snapshotCounts = watch === null ? undefined : watch.counts.bind(watch);
  metrics.watchSnapshots(() => ({ ...snapshotCounts?.(), filesWritten: driver.started ? driver.status().counters.snapshots : 0 }));
  server = createClientApi({ node: driver, clientAddresses: config.clientAddresses, metrics, ...(snapshotCounts === undefined ? {} : { snapshots: snapshotCounts }) });
  await listen(server, client.host, client.port);
  try {
    const recovered = await driver.start();
    logger.info(
      { cluster: clusterId, protocol: config.protocol, listen: config.listen, client: `${client.host}:${client.port}`, data: config.data, peers: Object.fromEntries(config.peers), changes: recovered.changes.length, snapshot: recovered.snapshot !== undefined },
      `node ${config.id} of cluster ${clusterId} (${config.protocol}) started: peers on ${config.listen}, clients on ${client.host}:${client.port}, data in ${config.data}`,
    );
  } catch (e) {
    await closeServer();
    await transport.close().catch(() => undefined);
    await log.close().catch(() => undefined);
    throw new Error((e as Error).message.replace(/^synod: /, ''));
  }
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({}, `node ${config.id} stopping`);
      await closeServer();
      await driver.stop();
      resolveStopped(0);
    })();
    return stopping;
  };
  return { driver, clusterId, clientAddress: `${client.host}:${client.port}`, stopped, stop };
}
