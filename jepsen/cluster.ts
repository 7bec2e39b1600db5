/**
 * A cluster of real `synod node` processes for the Jepsen-style test and the cluster benchmark:
 * one operating-system process per node (bin/synod.js, the compiled code in dist/), each with
 * its own data directory on disk (fsync on: the node's default) and a shared secret file; the
 * peers of each node are either the other nodes' addresses or, when a proxy is given, the
 * proxy's link addresses, so the test can cut and delay the network between them.
 *
 * The process-level faults of the nemesis live here: `kill` (SIGKILL: no chance to flush or
 * close anything), `restart` (the same flags, the same data directory), `pause` and `resume`
 * (SIGSTOP and SIGCONT: the process stops mid-step, its sockets stay open, its peers and
 * clients see silence).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeId } from '../lib/core/types';
import { FaultProxy } from '../lib/runtime/proxy';
import type { JsonHttp } from './http';

export const ROOT = path.join(__dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'synod.js');

export interface ClusterOptions {
  readonly nodes: number;
  /** First port: node i listens on base + i (peers) and base + 10 + i (clients). */
  readonly basePort: number;
  /** Put a fault-injecting proxy between the nodes (its listeners on base + 20 + ...). */
  readonly proxy: boolean;
  /** Extra flags for every node (e.g. a protocol choice). */
  readonly extraArgs?: readonly string[];
  /** Where the data directories go (default: a new temporary directory, removed by `stop`). */
  readonly dir?: string;
  /** Receives each node's stderr lines (default: kept, the last few quoted on failure). */
  readonly onLog?: (id: NodeId, line: string) => void;
  /** The node process's own Node.js flags (e.g. --cpu-prof). */
  readonly nodeFlags?: (id: NodeId) => readonly string[];
  /** The nodes' log level (default warn). */
  readonly logLevel?: string;
  /** What node runs instead of bin/synod.js (script and leading arguments; `node ...` follows). */
  readonly entry?: readonly string[];
  /** `--snapshot-every` of every node (default: the node's own, 4096 slots); the Jepsen run passes `JEPSEN_SNAPSHOT_EVERY`. */
  readonly snapshotEvery?: number;
}

/**
 * The Jepsen run's compaction interval: small, so that a bounded run (a few hundred slots)
 * crosses many snapshots, and a node killed or cut off for a fault comes back behind its
 * peers' snapshots and is brought up to date by a snapshot install.
 */
export const JEPSEN_SNAPSHOT_EVERY = 16;

export interface NodeStatus {
  readonly id: NodeId;
  readonly pid: number;
  readonly role: string;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly [field: string]: unknown;
}

interface Member {
  readonly id: NodeId;
  readonly peerAddress: string;
  readonly clientAddress: string;
  readonly data: string;
  child: ChildProcess | null;
  paused: boolean;
  starts: number;
  readonly tail: string[];
}

/** Fails with a clear message if a port of the range is taken. */
async function assertFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`port 127.0.0.1:${port} is in use (${error.code}): another test or benchmark of this range is running`)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** The ports a cluster of `nodes` with its proxy uses from `base`: nodes, their client APIs, the proxy's links. */
export function clusterPorts(base: number, nodes: number): number[] {
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  return [...ids.flatMap((id) => [base + id, base + 10 + id]), ...ids.flatMap((from) => ids.map((to) => base + 20 + (from - 1) * nodes + (to - 1)))];
}

/**
 * The first base of `bases` whose every port is free now (so that a run on a shared machine
 * moves aside when another run holds the first block); an error naming them all if none is.
 */
export async function firstFreeBase(bases: readonly number[], nodes: number): Promise<number> {
  for (const base of bases) {
    try {
      for (const port of clusterPorts(base, nodes)) await assertFree(port);
      return base;
    } catch {
      continue;
    }
  }
  throw new Error(`no free block of ports for a ${nodes}-node cluster at bases ${bases.join(', ')}`);
}

export class Cluster {
  readonly members: ReadonlyMap<NodeId, Member>;
  private stopping = false;

  private constructor(
    private readonly options: ClusterOptions,
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly secretFile: string,
    readonly proxy: FaultProxy | null,
    members: Map<NodeId, Member>,
  ) {
    this.members = members;
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
      throw new Error('the compiled node is missing (dist/cli/main.js): run `npm run build` first');
    }
    const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
    const ports = ids.flatMap((id) => [options.basePort + id, options.basePort + 10 + id]);
    for (const port of ports) await assertFree(port);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'synod-jepsen-'));
    const secretFile = path.join(dir, 'secret');
    fs.writeFileSync(secretFile, `jepsen-${process.pid}-${Date.now()}\n`, { mode: 0o600 });
    const members = new Map<NodeId, Member>(ids.map((id) => [id, {
      id,
      peerAddress: `127.0.0.1:${options.basePort + id}`,
      clientAddress: `127.0.0.1:${options.basePort + 10 + id}`,
      data: path.join(dir, `node-${id}`),
      child: null,
      paused: false,
      starts: 0,
      tail: [],
    }]));
    const proxy = options.proxy
      ? await FaultProxy.start({
        targets: new Map([...members.values()].map((m) => [m.id, m.peerAddress])),
        port: (from, to) => options.basePort + 20 + (from - 1) * options.nodes + (to - 1),
      })
      : null;
    const cluster = new Cluster(options, dir, ownsDir, secretFile, proxy, members);
    for (const id of ids) cluster.launch(id);
    return cluster;
  }

  /** Node id -> client address, for the clients. */
  clientAddresses(): Map<NodeId, string> {
    return new Map([...this.members.values()].map((m) => [m.id, m.clientAddress]));
  }

  private member(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`cluster: no node ${id}`);
    return m;
  }

  private args(m: Member): string[] {
    const peers = this.proxy !== null
      ? this.proxy.peersFlag(m.id)
      : [...this.members.values()].filter((p) => p.id !== m.id).map((p) => `${p.id}=${p.peerAddress}`).join(',');
    return [
      ...(this.options.nodeFlags?.(m.id) ?? []),
      ...(this.options.entry ?? [BIN]), 'node',
      '--id', String(m.id),
      '--listen', m.peerAddress,
      '--client', m.clientAddress,
      '--peers', peers,
      '--data', m.data,
      '--secret-file', this.secretFile,
      '--peer-clients', [...this.members.values()].filter((p) => p.id !== m.id).map((p) => `${p.id}=${p.clientAddress}`).join(','),
      '--log-level', this.options.logLevel ?? 'warn',
      ...(this.options.snapshotEvery === undefined ? [] : ['--snapshot-every', String(this.options.snapshotEvery)]),
      ...(this.options.extraArgs ?? []),
    ];
  }

  private launch(id: NodeId): void {
    const m = this.member(id);
    if (m.child !== null) throw new Error(`cluster: node ${id} is already running`);
    const child = spawn(process.execPath, this.args(m), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    m.child = child;
    m.paused = false;
    m.starts += 1;
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.options.onLog?.(id, line);
        m.tail.push(line);
        if (m.tail.length > 20) m.tail.shift();
      }
    });
    child.on('exit', () => {
      if (m.child === child) m.child = null;
    });
  }

  running(id: NodeId): boolean {
    return this.member(id).child !== null;
  }

  paused(id: NodeId): boolean {
    return this.member(id).paused;
  }

  /** The last lines a node wrote to stderr (for failure messages). */
  tail(id: NodeId): string {
    return this.member(id).tail.join('\n');
  }

  pid(id: NodeId): number | undefined {
    return this.member(id).child?.pid;
  }

  /** kill -9, and wait until the process is gone. */
  async kill(id: NodeId): Promise<void> {
    const m = this.member(id);
    const child = m.child;
    if (child === null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    m.paused = false;
  }

  /** Starts a stopped node again, on the same data directory. */
  restart(id: NodeId): void {
    this.launch(id);
  }

  pause(id: NodeId): void {
    const m = this.member(id);
    if (m.child === null || m.paused) return;
    m.child.kill('SIGSTOP');
    m.paused = true;
  }

  resume(id: NodeId): void {
    const m = this.member(id);
    if (m.child === null || !m.paused) return;
    m.child.kill('SIGCONT');
    m.paused = false;
  }

  /** Every node resumed, restarted if it was down, and the network healed. */
  healAll(): void {
    this.proxy?.heal();
    for (const m of this.members.values()) {
      if (m.child === null) this.launch(m.id);
      else this.resume(m.id);
    }
  }

  async status(http: JsonHttp, id: NodeId, timeoutMs = 1000): Promise<NodeStatus | undefined> {
    const answer = await http.get(this.member(id).clientAddress, '/v1/status', timeoutMs).catch(() => undefined);
    return answer?.status === 200 ? (answer.body as NodeStatus) : undefined;
  }

  /** Waits until a node's client API answers its status (it has recovered and started); throws if it exits or the time runs out. */
  async waitUp(http: JsonHttp, id: NodeId, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.status(http, id, 500)) === undefined) {
      if (!this.running(id)) throw new Error(`cluster: node ${id} exited while starting:\n${this.tail(id)}`);
      if (Date.now() > deadline) throw new Error(`cluster: node ${id} did not start within ${timeoutMs} ms:\n${this.tail(id)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until every node answers its status and one node leads; throws with the nodes' last words if not. */
  async ready(http: JsonHttp, timeoutMs: number): Promise<NodeId> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.members.values()) {
        if (m.child === null && m.starts > 0 && !this.stopping) {
          throw new Error(`cluster: node ${m.id} exited while starting:\n${this.tail(m.id)}`);
        }
      }
      const statuses = await Promise.all([...this.members.keys()].map((id) => this.status(http, id)));
      const leaders = statuses.filter((s) => s !== undefined && s.role === 'leader');
      if (statuses.every((s) => s !== undefined) && leaders.length === 1) return leaders[0]!.id;
      if (Date.now() > deadline) {
        throw new Error(`cluster: not ready within ${timeoutMs} ms (statuses ${JSON.stringify(statuses.map((s) => s === undefined ? null : { id: s.id, role: s.role, leader: s.leader }))}):\n` +
          [...this.members.keys()].map((id) => `node ${id}: ${this.tail(id)}`).join('\n'));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kills every node (SIGKILL, which also ends a paused one), closes the proxy, removes a temporary directory. */
  async stop(): Promise<void> {
    await this.end('SIGKILL');
  }

  /**
   * Asks every node to stop (SIGTERM, after resuming paused ones), so a node can write what it
   * writes on exit (a --cpu-prof profile); SIGKILL after 5 s.
   */
  async stopGently(): Promise<void> {
    for (const m of this.members.values()) this.resume(m.id);
    await this.end('SIGTERM');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.members.values()].map(async (m) => {
      if (m.child === null) return;
      const child = m.child;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }));
    await this.proxy?.close();
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
