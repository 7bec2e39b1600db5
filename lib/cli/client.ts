/**
 * `synod client`: one command to a real cluster, found through --cluster or $SYNOD_CLUSTER.
 * It follows redirects to the leader, retries a timeout or an indeterminate answer with the
 * same (client, seq) (applied at most once), and prints the answer on one line (or --json).
 *
 *   synod client put KEY VALUE | get KEY | delete KEY | cas KEY EXPECT VALUE
 *   synod client book SUITE BOOKING | confirm SUITE BOOKING | release SUITE BOOKING
 *
 * `cas` with EXPECT `null` means "only if KEY is absent". Exit 0 when the command was applied
 * and did what it asked; 1 when it was refused (a held suite, a failed cas) or no node
 * answered in time; 2 for bad arguments.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { HarborOp, HarborResult } from '../machine/harbor';
import type { BookingResult } from '../machine/booking';
import type { KvResult } from '../machine/kv';
import { integer, UsageError } from './args';
import type { CliContext } from './context';
import { clusterList } from './node-args';

const USAGE: Readonly<Record<string, string>> = {
  put: 'put KEY VALUE',
  get: 'get KEY',
  delete: 'delete KEY',
  cas: 'cas KEY EXPECT VALUE (EXPECT null: only if absent)',
  book: 'book SUITE BOOKING',
  confirm: 'confirm SUITE BOOKING',
  release: 'release SUITE BOOKING',
};

/** The operation a command line asks for. */
export function clientOp(verb: string, args: readonly string[]): HarborOp {
  const usage = USAGE[verb];
  if (usage === undefined) throw new UsageError(`client: unknown command '${verb}'; one of ${Object.keys(USAGE).join(', ')}`);
  const need = usage.split(' (')[0]!.split(' ').length - 1;
  if (args.length !== need) throw new UsageError(`client: ${usage} takes ${need} argument${need === 1 ? '' : 's'}, got ${args.length}`);
  const [a, b, c] = args as [string, string, string];
  switch (verb) {
    case 'put':
      return { type: 'put', key: a, value: b };
    case 'get':
      return { type: 'get', key: a };
    case 'delete':
      return { type: 'delete', key: a };
    case 'cas':
      return { type: 'cas', key: a, expect: b === 'null' ? null : b, value: c };
    case 'book':
      return { type: 'reserve', suite: a, booking: b };
    case 'confirm':
      return { type: 'confirm', suite: a, booking: b };
    default:
      return { type: 'release', suite: a, booking: b };
  }
}

const shown = (v: unknown) => (v === null ? 'absent' : JSON.stringify(v));

/** The answer in one line. */
export function describeResult(op: HarborOp, result: HarborResult): string {
  if ('suite' in result) {
    const r = result as BookingResult;
    return r.ok ? `ok: suite ${r.suite} ${r.status} for booking ${r.booking}` : `refused: ${r.reason}`;
  }
  const r = result as KvResult;
  switch (op.type) {
    case 'get':
      return `ok: ${op.key} = ${shown(r.value)}`;
    case 'put':
      return `ok: ${op.key} = ${JSON.stringify(op.value)} (was ${shown(r.value)})`;
    case 'delete':
      return `ok: ${op.key} deleted (was ${shown(r.value)})`;
    case 'cas':
      return r.ok ? `ok: ${op.key} = ${JSON.stringify(op.value)} (was ${shown(r.value)})` : `refused: ${op.key} is ${shown(r.value)}, not ${shown(op.expect)}`;
    default:
      return `ok: ${JSON.stringify(result)}`;
  }
}

export function registerClient(cli: Command, context: CliContext): void {
  cli
    .command('client')
    .description('send one command to a real cluster: put, get, delete, cas, book, confirm, release')
    .argument('<command>', Object.values(USAGE).join(' | '))
    .argument('[args...]', 'the arguments of the command')
    .option('--cluster <addrs>', 'client addresses host:port,... (default: $SYNOD_CLUSTER)')
    .option('--client-id <id>', 'the client session id (default: a fresh random one)')
    .option('--seq <n>', 'the sequence number in the session (a retry reuses it)', '1')
    .option('--timeout-ms <ms>', 'give up after this long (the command may or may not have taken effect)', '10000')
    .option('--json', 'print one JSON object')
    .action(async (verb: string, args: string[], flags: { cluster?: string; clientId?: string; seq: string; timeoutMs: string; json?: boolean }) => {
      const op = clientOp(verb, args);
      const addresses = clusterList(flags.cluster);
      const seq = integer('--seq', flags.seq, 1);
      const timeoutMs = integer('--timeout-ms', flags.timeoutMs, 1);
      const client = flags.clientId ?? `cli-${randomBytes(6).toString('hex')}`;
      if (client.length === 0 || client.length > 256) throw new UsageError('--client-id takes 1 to 256 characters');
      const { ClusterClient } = await import('../runtime/node/client');
      const answer = await new ClusterClient({ addresses, timeoutMs }).command(client, seq, op);
      const json = { client, seq, op, ...answer };
      let line: string;
      switch (answer.status) {
        case 'ok':
          line = `${describeResult(op, answer.result)} (node ${answer.address})`;
          context.exitCode = answer.result.ok ? 0 : 1;
          break;
        case 'rejected':
          line = `error: ${answer.address} refused the request: ${answer.error}`;
          context.exitCode = 2;
          break;
        case 'unknown':
          line = `unknown: no answer within ${timeoutMs} ms (last: ${answer.last}); the command may or may not have taken effect; retry with --client-id ${client} --seq ${seq}`;
          context.exitCode = 1;
          break;
      }
      context.io.out(flags.json === true ? `${JSON.stringify(json)}\n` : `${line}\n`);
    });
}
