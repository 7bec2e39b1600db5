/**
 * `npm run jepsen -- --minutes 10`: the Jepsen-style test of real processes, run for as long as
 * asked (jepsen/run.ts); prints the nemesis's steps and the check's progress on stderr, the
 * verdict in one line on stderr, and one JSON summary on stdout (ops, ok/fail/info, faults,
 * keys checked / linearizable / unknown and their sizes, lost writes, recovery times, check
 * time); writes the history (history.jsonl, the export format) and the summary (verdict.json)
 * to the run's directory (`--dir`, default a fresh directory under the system's temporary one).
 * Exit 0 when every check held on every key, 1 when one did not (a violation, a lost write, no
 * progress), 4 when nothing failed but some key's check ran out of budget (unknown), 2 for bad
 * arguments, 3 when the run could not happen (a node that does not start, a port in use).
 * Needs the compiled node (`npm run build`).
 *
 *   npm run jepsen -- --minutes 10 [--seed 7] [--clients 5] [--keys 2] [--ops-per-key 200]
 *                     [--key-ms 10000] [--check-budget 5000000] [--dir DIR] [--history h.jsonl]
 *                     [--faults kill,pause,partition,kill-two] [--fault-ms 2500] [--quiet-ms 2000]
 *                     [--base-port 17350] [--node-args "--protocol raft"] [--mutant leader-acks-before-quorum]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS, FAULT_KINDS, runJepsen, type FaultKind, type JepsenSummary } from './run';

function positive(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function count(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function faults(text: string): FaultKind[] {
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`unknown fault ${k} (known: ${FAULT_KINDS.join(', ')})`);
  if (kinds.length === 0) throw new InvalidArgumentError('name at least one fault');
  return kinds as FaultKind[];
}

/** 0 when every check held on every key, 1 when one failed, 4 when nothing failed but some key is unknown. */
export function exitCode(summary: Pick<JepsenSummary, 'outcome'>): number {
  return summary.outcome === 'pass' ? 0 : summary.outcome === 'unknown' ? 4 : 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('jepsen')
    .description('a Jepsen-style test of a real synod cluster: clients, a nemesis, a linearizability check')
    .addOption(new Option('--minutes <n>', 'how long the clients run').argParser(positive('--minutes')).conflicts('seconds'))
    .addOption(new Option('--seconds <n>', 'how long the clients run (instead of --minutes)').argParser(positive('--seconds')))
    .option('--seed <n>', 'the nemesis and the clients\' random choices', positive('--seed'), DEFAULTS.seed)
    .option('--clients <n>', 'concurrent clients', positive('--clients'), DEFAULTS.clients)
    .option('--keys <n>', 'keys live at once, shared by the clients', count('--keys'), DEFAULTS.keys)
    .option('--ops-per-key <n>', 'a key serves at most this many operations, then a fresh key replaces it', count('--ops-per-key'), DEFAULTS.opsPerKey)
    .option('--key-ms <n>', 'a key is replaced once it has lived this long', positive('--key-ms'), DEFAULTS.keyMs)
    .option('--check-budget <n>', 'the checker\'s search budget per key (explored steps); a key that spends it is unknown', count('--check-budget'), DEFAULTS.checkBudget)
    .option('--dir <dir>', 'the run\'s directory: history.jsonl and verdict.json (default: a fresh temporary directory)')
    .option('--faults <list>', `faults the nemesis cycles through (${FAULT_KINDS.join(',')})`, faults, [...DEFAULTS.faults])
    .option('--min-faults <n>', 'go on past the duration until this many faults were injected', positive('--min-faults'))
    .option('--fault-ms <n>', 'how long each fault lasts', positive('--fault-ms'), DEFAULTS.faultMs)
    .option('--quiet-ms <n>', 'quiet time after each heal', positive('--quiet-ms'), DEFAULTS.quietMs)
    .option('--progress-bound-ms <n>', 'an operation must complete this soon after each heal', positive('--progress-bound-ms'), DEFAULTS.progressBoundMs)
    .option('--history <file>', 'where to write the history (JSON lines; default DIR/history.jsonl)')
    .option('--base-port <n>', 'first port of the cluster (nodes, client ports, proxy links)', positive('--base-port'), 17350)
    .option('--node-args <flags>', 'extra flags for every node, space-separated')
    .option('--mutant <name>', 'run every node with this Multi-Paxos mutant of the bug zoo (the checks must fail)')
    .option('--quiet', 'no progress lines on stderr')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(['node', 'jepsen', ...argv]);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<{
    minutes?: number; seconds?: number; seed: number; clients: number; keys: number; opsPerKey: number; keyMs: number; checkBudget: number; dir?: string; faults: FaultKind[];
    minFaults?: number; faultMs: number; quietMs: number; progressBoundMs: number; history?: string; basePort: number; nodeArgs?: string; mutant?: string; quiet?: boolean;
  }>();
  const durationMs = o.seconds !== undefined ? o.seconds * 1000 : (o.minutes ?? 1) * 60_000;
  const dir = o.dir !== undefined ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'synod-jepsen-run-'));
  fs.mkdirSync(dir, { recursive: true });
  const historyFile = o.history !== undefined ? path.resolve(o.history) : path.join(dir, 'history.jsonl');
  const verdictFile = path.join(dir, 'verdict.json');
  const log = o.quiet === true ? (): void => undefined : (line: string): void => { process.stderr.write(`${line}\n`); };
  log(`run: directory ${dir}`);
  const summary = await runJepsen({
    ...DEFAULTS,
    seed: o.seed,
    clients: Math.floor(o.clients),
    keys: Math.floor(o.keys),
    opsPerKey: Math.floor(o.opsPerKey),
    keyMs: o.keyMs,
    checkBudget: Math.floor(o.checkBudget),
    faults: o.faults,
    faultMs: o.faultMs,
    quietMs: o.quietMs,
    progressBoundMs: o.progressBoundMs,
    durationMs,
    basePort: Math.floor(o.basePort),
    historyFile,
    ...(o.nodeArgs === undefined ? {} : { nodeArgs: o.nodeArgs.split(/\s+/).filter((s) => s.length > 0) }),
    ...(o.mutant === undefined ? {} : { mutant: o.mutant }),
    ...(o.minFaults === undefined ? {} : { minFaults: Math.floor(o.minFaults) }),
    log,
  });
  fs.writeFileSync(verdictFile, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.stderr.write(`jepsen: ${summary.verdict}\njepsen: history ${historyFile}, verdict ${verdictFile}\n`);
  return exitCode(summary);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error) => {
      process.stderr.write(`jepsen: could not run: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
