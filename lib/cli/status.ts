/**
 * `synod status`: one row per node of a real cluster (from --cluster or $SYNOD_CLUSTER): id,
 * process id, role, ballot, commit and applied points, last contact and the stage counters; a
 * node that does not answer is a row that says so. Exit 0 when at least one node answered.
 */
import type { Command } from 'commander';
import type { CliContext } from './context';
import { clusterList } from './node-args';

interface NodeStatusJson {
  readonly id: number;
  readonly pid: number;
  readonly protocol: string;
  readonly role: string;
  readonly ballot: unknown;
  readonly ballotText: string;
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastContactMs: number | null;
  readonly counters: { proposed: number; quorumAcknowledged: number; committed: number; applied: number; electionsStarted: number; electionsWon: number };
  /** Absent from a node of an older build. slot, taken and installed are null under Raft. */
  readonly snapshot?: { slot: number | null; taken: number | null; installed: number | null; filesWritten: number };
}

export type StatusRow = ({ readonly address: string; readonly reachable: true } & NodeStatusJson) | { readonly address: string; readonly reachable: false; readonly error: string };

/** Every node's status, in the order given; an unreachable node is a row with the reason. */
export async function clusterStatus(addresses: readonly string[], timeoutMs = 2000): Promise<StatusRow[]> {
  return Promise.all(
    addresses.map(async (address): Promise<StatusRow> => {
      try {
        const res = await fetch(`http://${address}/v1/status`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status !== 200) return { address, reachable: false, error: `HTTP ${res.status}` };
        return { address, reachable: true, ...((await res.json()) as NodeStatusJson) };
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        return { address, reachable: false, error: cause === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `unreachable (${cause})` };
      }
    }),
  );
}

/** `4096 (2 taken, 1 installed)`: the snapshot point and where the snapshots came from; `-` without protocol snapshots. */
function snapshotCell(s: NodeStatusJson['snapshot']): string {
  if (s === undefined || s.slot === null) return '-';
  return `${s.slot} (${s.taken ?? 0} taken, ${s.installed ?? 0} installed)`;
}

function ago(ms: number | null): string {
  return ms === null ? 'never' : `${ms} ms ago`;
}

/** Columns padded to their widest cell. */
function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function statusLines(rows: readonly StatusRow[]): string[] {
  const header = ['id', 'pid', 'role', 'ballot', 'leader', 'commit', 'applied', 'last contact', 'proposed', 'quorum-ack', 'committed', 'applied', 'snapshot', 'address'];
  const cells = rows.map((r) =>
    r.reachable
      ? [String(r.id), String(r.pid), r.role, r.ballotText, String(r.leader), String(r.commit), String(r.applied), ago(r.lastContactMs), String(r.counters.proposed), String(r.counters.quorumAcknowledged), String(r.counters.committed), String(r.counters.applied), snapshotCell(r.snapshot), r.address]
      : ['-', '-', 'unreachable', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', `${r.address}: ${r.error}`],
  );
  return aligned([header, ...cells]);
}

export function registerStatus(cli: Command, context: CliContext): void {
  cli
    .command('status')
    .description('one row per node of a real cluster: role, ballot, commit and applied points, last contact, stage counters, snapshot point')
    .option('--cluster <addrs>', 'client addresses host:port,... (default: $SYNOD_CLUSTER)')
    .option('--timeout-ms <ms>', 'how long to wait for each node', '2000')
    .option('--json', 'print one JSON object')
    .action(async (flags: { cluster?: string; timeoutMs: string; json?: boolean }) => {
      const addresses = clusterList(flags.cluster);
      const rows = await clusterStatus(addresses, Number(flags.timeoutMs) > 0 ? Number(flags.timeoutMs) : 2000);
      const ok = rows.some((r) => r.reachable);
      context.io.out(flags.json === true ? `${JSON.stringify({ ok, nodes: rows })}\n` : `${statusLines(rows).join('\n')}\n`);
      context.exitCode = ok ? 0 : 1;
    });
}
