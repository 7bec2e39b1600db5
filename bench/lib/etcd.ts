/**
 * A 3-member etcd cluster on loopback for the comparison benchmark: etcd 3.4 (Debian's
 * etcd-server) with its data in a temporary directory (WAL fsync on, etcd's default), started
 * as child processes, and a put over etcd's HTTP/JSON gRPC gateway (`POST /v3/kv/put`, base64
 * key and value) through the same client code and keep-alive agent as synod's puts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonHttp } from '../../jepsen/http';

/** The etcd binary on the PATH, or undefined. */
export function etcdBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  return found.status === 0 && bin.length > 0 ? bin : undefined;
}

export function etcdVersion(bin: string): string {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout;
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? 'unknown';
}

export interface EtcdCluster {
  /** Client addresses (host:port) of members 1..3. */
  readonly clients: readonly string[];
  /** The client address of the current leader. */
  leader(http: JsonHttp): Promise<string>;
  stop(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts 3 members: client ports base, base+1, base+2; peer ports base+10, ... */
export async function startEtcd(bin: string, base: number, http: JsonHttp): Promise<EtcdCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-etcd-'));
  const names = [1, 2, 3].map((i) => `e${i}`);
  const peer = (i: number): string => `http://127.0.0.1:${base + 10 + i}`;
  const client = (i: number): string => `127.0.0.1:${base + i}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  names.forEach((name, i) => {
    const child = spawn(bin, [
      '--name', name,
      '--data-dir', path.join(dir, name),
      '--listen-client-urls', `http://${client(i)}`,
      '--advertise-client-urls', `http://${client(i)}`,
      '--listen-peer-urls', peer(i),
      '--initial-advertise-peer-urls', peer(i),
      '--initial-cluster', initial,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', 'synod-bench',
      '--logger', 'zap',
      '--log-level', 'error',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (logs.join('').length < 4000) logs.push(chunk.toString());
    });
    children.push(child);
  });
  const clients = names.map((_, i) => client(i));
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const leader = async (h: JsonHttp): Promise<string> => {
    for (const address of clients) {
      const status = await h.post(address, '/v3/maintenance/status', {}, 2000).catch(() => undefined);
      const body = status?.body as { header?: { member_id?: string }; leader?: string } | undefined;
      if (body?.leader !== undefined && body.leader !== '0' && body.header?.member_id === body.leader) return address;
    }
    throw new Error('etcd: no member says it leads');
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited !== undefined) {
      await stop();
      throw new Error(`etcd: a member exited with code ${exited.exitCode}: ${logs.join('').slice(0, 800)}`);
    }
    const ok = await leader(http).catch(() => undefined);
    if (ok !== undefined) {
      // a put must get through before the benchmark starts (the first one waits for the cluster's readiness)
      const put = await http.post(ok, '/v3/kv/put', { key: b64('ready'), value: b64('1') }, 5000).catch(() => undefined);
      if (put?.status === 200) return { clients, leader, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd: no leader within 20 s: ${logs.join('').slice(0, 800)}`);
    }
    await sleep(200);
  }
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** One put through etcd's gateway; rejects unless etcd answered 200 with a header. */
export async function etcdPut(http: JsonHttp, address: string, key: string, value: string): Promise<void> {
  const answer = await http.post(address, '/v3/kv/put', { key: b64(key), value: b64(value) }, 10_000);
  const body = answer.body as { header?: unknown } | null;
  if (answer.status !== 200 || body?.header === undefined) throw new Error(`etcd put: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
}
