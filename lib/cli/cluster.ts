/**
 * `synod cluster`: a local cluster of real `synod node` processes, for trying the system by
 * hand. It makes the secret and the data directories (in a temporary directory unless --data;
 * an existing --data restarts the same cluster on its disks), starts each node as a child
 * process (its JSON log in DIR/node-N.log), waits until a leader is elected, and prints each
 * node's addresses and pid, the exact `synod node` line to restart it by hand, and the
 * `export SYNOD_CLUSTER=...` line for `synod client` and `synod status`. It stops every node
 * on Ctrl-C or SIGTERM, or when its stdin closes (when stdin is not a terminal). It never
 * restarts a node that dies or is killed: that is left to the reader, with the printed line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { integer, oneOf, UsageError } from './args';
import type { CliContext } from './context';
import { clusterStatus } from './status';
import { OWN_VOTES } from '../multipaxos/state';

interface ClusterFlags {
  nodes: string;
  data?: string;
  host: string;
  basePort: string;
  clientBasePort?: string;
  protocol: string;
  logLevel: string;
  electionTimeoutMs: string;
  snapshotEvery: string;
  ownVote: string;
}

interface Member {
  readonly id: number;
  readonly listen: string;
  readonly client: string;
  readonly data: string;
  readonly logFile: string;
  readonly args: readonly string[];
  child: ChildProcess | null;
  exited: boolean;
}

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'synod.js');
const quote = (s: string) => (/^[\w./:=,@-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const line = lines[lines.length - 1] ?? '';
    try {
      const json = JSON.parse(line) as { msg?: string };
      return json.msg ?? line;
    } catch {
      return line;
    }
  } catch {
    return '';
  }
}

export function registerCluster(cli: Command, context: CliContext): void {
  cli
    .command('cluster')
    .description('start a local cluster of synod node processes; Ctrl-C stops them all')
    .option('--nodes <n>', 'how many nodes', '3')
    .option('--data <dir>', 'the cluster directory (default: a new temporary one); an existing one restarts the same cluster')
    .option('--host <host>', 'the address every node binds', '127.0.0.1')
    .option('--base-port <port>', 'node i listens on base-port + i - 1', '7001')
    .option('--client-base-port <port>', "node i's client API is on client-base-port + i - 1 (default: base-port + 1000)")
    .option('--protocol <name>', 'multipaxos or raft', 'multipaxos')
    .option('--log-level <level>', "the nodes' log level", 'info')
    .option('--election-timeout-ms <ms>', 'how long to wait for the first leader', '15000')
    .option('--snapshot-every <slots>', "multipaxos: each node compacts its log into a snapshot every this many applied slots; 0: off", '4096')
    .option('--own-vote <how>', "multipaxos: the leader's own vote, 'parallel' or 'inline' (see synod node --help)", 'parallel')
    .action(async (flags: ClusterFlags) => {
      const n = integer('--nodes', flags.nodes, 2, 15);
      const base = integer('--base-port', flags.basePort, 1, 65535 - n);
      const clientBase = flags.clientBasePort === undefined ? base + 1000 : integer('--client-base-port', flags.clientBasePort, 1, 65535 - n);
      if (clientBase + n - 1 > 65535) throw new UsageError(`--base-port ${base}: the client ports (from ${clientBase}) go above 65535; pass --client-base-port`);
      if (Math.abs(clientBase - base) < n) throw new UsageError(`the node ports (${base}..${base + n - 1}) and the client ports (${clientBase}..${clientBase + n - 1}) overlap`);
      const protocol = oneOf('--protocol', flags.protocol, ['multipaxos', 'raft'] as const);
      const waitMs = integer('--election-timeout-ms', flags.electionTimeoutMs, 100);
      const snapshotEvery = integer('--snapshot-every', flags.snapshotEvery, 0, 1_000_000_000);
      const ownVote = oneOf('--own-vote', flags.ownVote, OWN_VOTES);
      const dir = path.resolve(flags.data ?? mkdtempSync(path.join(tmpdir(), 'synod-cluster-')));
      mkdirSync(dir, { recursive: true });
      const secretFile = path.join(dir, 'secret');
      const reused = existsSync(secretFile);
      if (!reused) writeFileSync(secretFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      const members: Member[] = [];
      for (let id = 1; id <= n; id += 1) {
        const listen = `${flags.host}:${base + id - 1}`;
        const client = `${flags.host}:${clientBase + id - 1}`;
        const data = path.join(dir, `node-${id}`);
        const others = Array.from({ length: n }, (_, i) => i + 1).filter((p) => p !== id);
        const args = [
          'node',
          '--id', String(id),
          '--listen', listen,
          '--peers', others.map((p) => `${p}=${flags.host}:${base + p - 1}`).join(','),
          '--client', client,
          '--peer-clients', others.map((p) => `${p}=${flags.host}:${clientBase + p - 1}`).join(','),
          '--data', data,
          '--secret-file', secretFile,
          '--protocol', protocol,
          '--log-level', flags.logLevel,
          '--snapshot-every', String(snapshotEvery),
          '--own-vote', ownVote,
        ];
        members.push({ id, listen, client, data, logFile: path.join(dir, `node-${id}.log`), args, child: null, exited: false });
      }
      const out = (line: string) => context.io.out(`${line}\n`);
      let stopping = false;
      let reportExit = true;
      const exits: Promise<void>[] = [];
      for (const m of members) {
        const fd = openSync(m.logFile, 'a');
        const child = spawn(process.execPath, [BIN, ...m.args], { stdio: ['ignore', fd, fd] });
        closeSync(fd);
        m.child = child;
        exits.push(
          new Promise<void>((resolve) => {
            child.once('exit', (code, signal) => {
              m.exited = true;
              if (!stopping && reportExit) {
                const why = signal === null ? `exit code ${code}` : `signal ${signal}`;
                const last = lastLine(m.logFile);
                out(`node ${m.id} (pid ${child.pid}) exited (${why})${last === '' ? '' : `: ${last}`}; synod cluster does not restart it (its line is above)`);
              }
              resolve();
            });
          }),
        );
      }
      const stopAll = async (): Promise<void> => {
        stopping = true;
        for (const m of members) if (!m.exited) m.child?.kill('SIGTERM');
        const all = Promise.all(exits);
        const late = await Promise.race([all.then(() => false), pause(5000).then(() => true)]);
        if (late) for (const m of members) if (!m.exited) m.child?.kill('SIGKILL');
        await all;
      };
      // The first leader: every node up, one of them leading, and the others following it.
      const started = Date.now();
      let leader: { id: number; ballot: string } | null = null;
      while (Date.now() - started < waitMs && leader === null) {
        await pause(100);
        const dead = members.filter((m) => m.exited);
        if (dead.length > 0) break;
        const rows = await clusterStatus(members.map((m) => m.client), 1000);
        const lead = rows.find((r) => r.reachable && r.role === 'leader');
        if (lead !== undefined && lead.reachable && rows.every((r) => r.reachable && r.leader === lead.id)) leader = { id: lead.id, ballot: lead.ballotText };
      }
      if (leader === null) {
        reportExit = false;
        for (const m of members.filter((x) => x.exited)) context.io.err(`synod: cluster: node ${m.id} exited at start: ${lastLine(m.logFile)}\n`);
        if (members.every((m) => !m.exited)) context.io.err(`synod: cluster: no leader within ${waitMs} ms (logs in ${dir})\n`);
        await stopAll();
        context.exitCode = 1;
        return;
      }
      out(`synod cluster: ${n} nodes (${protocol}) ${reused ? 'restarted on the disks' : 'created'} in ${dir}`);
      for (const m of members) out(`  node ${m.id}  pid ${m.child?.pid}  peers ${m.listen}  clients ${m.client}  data ${m.data}  log ${m.logFile}`);
      out(`leader: node ${leader.id} at ballot ${leader.ballot}, ${Date.now() - started} ms after start`);
      out('restart a node by hand (after it died or was killed) with:');
      for (const m of members) out(`  synod ${m.args.map(quote).join(' ')}`);
      out('this command does not restart a node by itself; Ctrl-C (SIGINT), SIGTERM or closing stdin stops them all');
      out(`export SYNOD_CLUSTER=${members.map((m) => m.client).join(',')}`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (!process.stdin.isTTY) {
          process.stdin.once('end', done);
          process.stdin.once('close', done);
          process.stdin.resume();
        }
      });
      process.stdin.pause();
      await stopAll();
      out(`stopped ${n} nodes; the cluster's disks stay in ${dir} (synod cluster --data ${quote(dir)} restarts it)`);
      context.exitCode = 0;
    });
}
