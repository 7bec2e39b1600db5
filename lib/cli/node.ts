/**
 * `synod node`: one node of a real cluster, in the foreground, until SIGINT or SIGTERM (or a
 * fatal error such as a failed fdatasync, exit 1). Logs are JSON lines on stderr (pino).
 *
 *   synod node --id 1 --listen 127.0.0.1:7001 --peers 2=127.0.0.1:7002,3=127.0.0.1:7003 \
 *     --data ./data/1 --secret-file ./secret [--client 127.0.0.1:8001] \
 *     [--peer-clients 2=127.0.0.1:8002,3=127.0.0.1:8003] [--protocol multipaxos|raft] \
 *     [--cluster-id ID] [--log-level info] [--snapshot-every 4096]
 *
 * The client address defaults to the --listen port + 1000 on the same host, and each peer's
 * likewise, unless --peer-clients names them.
 */
import type { Command } from 'commander';
import { integer, oneOf, UsageError } from './args';
import type { CliContext } from './context';
import { address, idAddressList, withPort } from './node-args';
import { OWN_VOTES } from '../multipaxos/state';

interface NodeFlags {
  id: string;
  listen: string;
  peers: string;
  data: string;
  secretFile: string;
  client?: string;
  peerClients?: string;
  protocol: string;
  clusterId?: string;
  logLevel: string;
  tickMs: string;
  requestTimeoutMs: string;
  snapshotEvery: string;
  ownVote: string;
}

const PROTOCOLS = ['multipaxos', 'raft'] as const;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The client port of a node whose peer port is `port`: port + 1000. */
export function defaultClientPort(option: string, port: number): number {
  if (port + 1000 > 65535) throw new UsageError(`${option}: the default client port (${port} + 1000) is above 65535; name it with --client / --peer-clients`);
  return port + 1000;
}

export function registerNode(cli: Command, context: CliContext): void {
  cli
    .command('node')
    .description('run one node of a real cluster (foreground; stop with Ctrl-C or SIGTERM)')
    .requiredOption('--id <n>', 'this node id (a whole number >= 1)')
    .requiredOption('--listen <host:port>', 'address of the node-to-node transport')
    .requiredOption('--peers <list>', 'the other members: id=host:port,...')
    .requiredOption('--data <dir>', 'data directory (write-ahead log and snapshots)')
    .requiredOption('--secret-file <file>', 'the cluster secret (HMAC key of every frame)')
    .option('--client <host:port>', 'address of the client HTTP API (default: --listen port + 1000)')
    .option('--peer-clients <list>', "the peers' client addresses, id=host:port,... (default: each peer's port + 1000)")
    .option('--protocol <name>', `${PROTOCOLS.join(' or ')}`, 'multipaxos')
    .option('--cluster-id <id>', 'cluster id written in the log header (default: derived from the secret)')
    .option('--log-level <level>', LEVELS.join(', '), 'info')
    .option('--tick-ms <ms>', 'wall-clock length of one protocol tick', '10')
    .option('--request-timeout-ms <ms>', 'deadline of a client command (then HTTP 503)', '3000')
    .option('--snapshot-every <slots>', 'multipaxos: compact the log into a snapshot (replica and client sessions) every this many applied slots; 0: off', '4096')
    .option('--own-vote <how>', "multipaxos: the leader's own vote, 'parallel' (sent to its own acceptor like the others' and synced while theirs are) or 'inline' (voted and synced before the accepts leave)", 'parallel')
    .action(async (flags: NodeFlags) => {
      const id = integer('--id', flags.id, 1, 0xffffffff);
      const listen = address('--listen', flags.listen);
      const peers = idAddressList('--peers', flags.peers);
      if (peers.has(id)) throw new UsageError(`--peers names node ${id}, which is this node (--id ${id}); list only the others`);
      if (peers.size === 0) throw new UsageError('--peers names no other node');
      const protocol = oneOf('--protocol', flags.protocol, PROTOCOLS);
      const logLevel = oneOf('--log-level', flags.logLevel, LEVELS);
      const clientAddresses = new Map<number, string>();
      clientAddresses.set(id, flags.client === undefined ? withPort(listen.host, defaultClientPort('--listen', listen.port)) : address('--client', flags.client).text);
      const named = flags.peerClients === undefined ? new Map<number, string>() : idAddressList('--peer-clients', flags.peerClients);
      for (const other of named.keys()) if (!peers.has(other)) throw new UsageError(`--peer-clients names node ${other}, which is not in --peers`);
      for (const [peer, text] of peers) {
        const a = address('--peers', text);
        clientAddresses.set(peer, named.get(peer) ?? withPort(a.host, defaultClientPort('--peers', a.port)));
      }
      if (flags.clusterId !== undefined && !/^[\w.-]{1,64}$/.test(flags.clusterId)) throw new UsageError(`--cluster-id takes 1 to 64 letters, digits, '.', '_' or '-', got '${flags.clusterId}'`);
      const timings = {
        tickMs: integer('--tick-ms', flags.tickMs, 1, 10_000),
        requestTimeoutMs: integer('--request-timeout-ms', flags.requestTimeoutMs, 1, 3_600_000),
      };
      const snapshotEvery = integer('--snapshot-every', flags.snapshotEvery, 0, 1_000_000_000);
      const ownVote = oneOf('--own-vote', flags.ownVote, OWN_VOTES);
      const { startNode } = await import('../runtime/node/process');
      let node;
      try {
        node = await startNode({
          id,
          listen: listen.text,
          peers,
          clientAddresses,
          data: flags.data,
          secretFile: flags.secretFile,
          protocol,
          ...(flags.clusterId === undefined ? {} : { clusterId: flags.clusterId }),
          logLevel,
          timings,
          snapshotEvery,
          ownVote,
        });
      } catch (e) {
        context.io.err(`synod: node ${id}: ${(e as Error).message}\n`);
        context.exitCode = 1;
        return;
      }
      const onSignal = () => void node.stop();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const code = await node.stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (code !== 0) context.io.err(`synod: node ${id} stopped on a fatal error (see its log)\n`);
      context.exitCode = code;
    });
}
