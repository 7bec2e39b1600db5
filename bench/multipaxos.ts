/**
 * Multi-Paxos throughput, in process: the real step functions (lib/multipaxos/node.ts) driven
 * by a tight loop with a FIFO network, no IO, no timers, no invariant checks. One leader is
 * elected first; then a closed loop of clients keeps `outstanding` commands in flight (each
 * acknowledged command is replaced by a new one at once) and the loop measures, over the
 * steady state only:
 *
 * - committed commands per second (wall clock, all nodes' work in one thread), and per CPU
 *   second of this process (the machine may be shared; the CPU figure excludes other jobs);
 * - protocol messages per committed command, and per chosen slot (the theoretical floor in
 *   steady state is 2(n-1) per slot: one accept and one accepted per follower, the commit
 *   point riding on the next accept, no prepare, no heartbeat).
 *
 * Configurations: 3 and 5 nodes, batching off (one command per slot) and on (up to `batch`
 * per slot); each measured `--runs` times (default 5), medians reported, as one JSON object.
 *
 * Baseline, measured in the same run: the same commands applied straight to one replica's
 * state machine and sessions (`applyBatch`, no consensus, no messages). Every replica applies
 * every command, so n nodes in one thread can reach at most baseline / n; each result gives
 * its ratio to that ceiling (`ofCeiling`).
 *
 * Reads (lib/multipaxos/reads.ts), per mode, against the log mode in the same run: the same
 * closed loop issues only gets (`outstanding` in flight, batching off) at a leader with one
 * key written, and measures reads answered per second and per CPU second, messages per read
 * and log slots per read. Expected: `log` costs a slot and a phase 2 (2(n-1) messages) per
 * read; `read-index` one heartbeat round (2(n-1) messages: a heartbeat and an acknowledgement
 * per follower) and no slot; `lease` no message at all (the loop never ticks, so the lease
 * granted by the first round never runs out); `follower` answers at a follower, no message.
 *
 *   npm run bench:multipaxos [-- --runs 5 --commands 200000 --reads 50000]
 */
import type { KvOp, KvResult, KvState } from '../lib/machine/kv';
import { applyBatch, initReplica } from '../lib/machine/replica';
import { kvStore } from '../lib/machine/kv';
import type { Command } from '../lib/machine/command';
import type { MultiMessage } from '../lib/multipaxos/messages';
import type { ClientRequest, MultiEffect, MultiNodeState, MultiPaxosConfig, ReadMode } from '../lib/multipaxos/node';
import { multiPaxosProtocol } from '../lib/multipaxos/node';
import { majorities } from '../lib/paxos/quorum';
import type { Step } from '../lib/core/types';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Effect = MultiEffect<KvOp, KvResult>;

export interface BenchConfig {
  readonly nodes: number;
  readonly batch: number;
  readonly window: number;
  /** Commands kept in flight by the closed loop of clients. */
  readonly outstanding: number;
  /** Committed commands to measure (after warm-up). */
  readonly commands: number;
}

export interface BenchRun {
  readonly committed: number;
  readonly slots: number;
  readonly messages: number;
  readonly seconds: number;
  /** CPU seconds this process spent (user + system): on a shared machine, wall time includes other jobs. */
  readonly cpuSeconds: number;
}

export function runOnce(b: BenchConfig): BenchRun {
  const config: MultiPaxosConfig<KvState, KvOp, KvResult> = {
    quorums: majorities(b.nodes),
    machine: kvStore,
    window: b.window,
    batch: b.batch,
    // The loop never ticks after the election: no heartbeat, no retransmission, no new election.
    heartbeat: 1,
    electionTimeout: 2,
    seed: 1,
  };
  const protocol = multiPaxosProtocol(config);
  const states: State[] = [protocol.init(0)];
  for (let id = 1; id <= b.nodes; id += 1) states[id] = protocol.init(id);
  const queue: MultiMessage<KvOp>[] = [];
  let head = 0;
  let messages = 0;
  let acked = 0;

  const apply = (id: number, step: Step<State, Effect>): void => {
    states[id] = step.state;
    for (const e of step.effects) {
      if (e.type === 'send') {
        queue.push(e.message);
        messages += 1;
      } else if (e.type === 'reply' && e.reply.status === 'ok') {
        acked += 1;
      }
    }
  };
  const drain = (): void => {
    while (head < queue.length) {
      const m = queue[head]!;
      head += 1;
      apply(m.to, protocol.deliver(states[m.to]!, m));
      if (head > 65_536) {
        queue.splice(0, head);
        head = 0;
      }
    }
  };

  // Election: node 1's timer runs out; every prepare and promise is delivered.
  while (states[1]!.leader.role !== 'leader') {
    apply(1, protocol.timeout(states[1]!));
    drain();
  }
  let seq = 0;
  const submit = (): void => {
    seq += 1;
    const key = `k${seq & 15}`;
    const command: Command<KvOp> = { client: `c${seq % b.outstanding}`, seq, op: { type: 'put', key, value: seq } };
    apply(1, protocol.request(states[1]!, command));
  };
  const run = (target: number): void => {
    const goal = acked + target;
    for (let i = 0; i < b.outstanding; i += 1) submit();
    while (acked < goal) {
      const before = acked;
      const m = queue[head];
      if (m === undefined) throw new Error('bench: the network went quiet before the goal');
      head += 1;
      apply(m.to, protocol.deliver(states[m.to]!, m));
      if (head > 65_536) {
        queue.splice(0, head);
        head = 0;
      }
      for (let i = before; i < acked && acked < goal; i += 1) submit();
    }
    drain();
  };
  run(Math.min(20_000, b.commands)); // warm-up: the JIT, and the pipeline filling up
  const start = { acked, messages, slots: states[1]!.learner.commit };
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  run(b.commands);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { committed: acked - start.acked, slots: states[1]!.learner.commit - start.slots, messages: messages - start.messages, seconds, cpuSeconds };
}

/** The same commands (same shape as `submit` makes them) applied to one replica, `batch` at a time. */
export function baselineOnce(commands: number, batch: number, outstanding: number): number {
  let replica = initReplica(kvStore);
  const t0 = process.hrtime.bigint();
  let seq = 0;
  while (seq < commands) {
    const group: Command<KvOp>[] = [];
    for (let i = 0; i < batch && seq < commands; i += 1) {
      seq += 1;
      group.push({ client: `c${seq % outstanding}`, seq, op: { type: 'put', key: `k${seq & 15}`, value: seq } });
    }
    replica = applyBatch(kvStore, replica, group).replica;
  }
  return commands / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** One run of reads in `mode`: `reads` gets answered after warm-up, with `outstanding` in flight. */
export function readsOnce(nodes: number, mode: ReadMode, reads: number, outstanding: number): BenchRun {
  const config: MultiPaxosConfig<KvState, KvOp, KvResult> = {
    quorums: majorities(nodes),
    machine: kvStore,
    window: 32,
    batch: 1,
    heartbeat: 1,
    electionTimeout: 2,
    seed: 1,
    reads: { query: (op) => op.type === 'get', lease: { ticks: 10, drift: 0.1 } },
  };
  const protocol = multiPaxosProtocol(config);
  const states: State[] = [protocol.init(0)];
  for (let id = 1; id <= nodes; id += 1) states[id] = protocol.init(id);
  const queue: MultiMessage<KvOp>[] = [];
  let head = 0;
  let messages = 0;
  let answered = 0;
  const apply = (id: number, step: Step<State, Effect>): void => {
    states[id] = step.state;
    for (const e of step.effects) {
      if (e.type === 'send') {
        queue.push(e.message);
        messages += 1;
      } else if (e.type === 'reply' && e.reply.status === 'ok' && e.client !== 'writer') {
        answered += 1;
      }
    }
  };
  const next = (): boolean => {
    const m = queue[head];
    if (m === undefined) return false;
    head += 1;
    apply(m.to, protocol.deliver(states[m.to]!, m));
    if (head > 65_536) {
      queue.splice(0, head);
      head = 0;
    }
    return true;
  };
  while (states[1]!.leader.role !== 'leader') {
    apply(1, protocol.timeout(states[1]!));
    while (next());
  }
  apply(1, protocol.request(states[1]!, { client: 'writer', seq: 1, op: { type: 'put', key: 'k', value: 1 } }));
  while (next());
  // One heartbeat round: the followers acknowledge it, which grants the lease.
  apply(1, protocol.timeout(states[1]!));
  while (next());
  const at = mode === 'follower' ? 2 : 1;
  let seq = 0;
  const submit = (): void => {
    seq += 1;
    const command: ClientRequest<KvOp> = { client: `r${seq % outstanding}`, seq, op: { type: 'get', key: 'k' }, ...(mode === 'log' ? {} : { read: mode }) };
    apply(at, protocol.request(states[at]!, command));
  };
  let submitted = 0;
  const run = (target: number): void => {
    const goal = answered + target;
    // Closed loop: a new read whenever fewer than `outstanding` wait (a lease read is answered at once).
    while (answered < goal) {
      if (submitted - answered < outstanding && submitted < goal) {
        submitted += 1;
        submit();
      } else if (!next()) {
        throw new Error(`bench: ${mode} reads went quiet before the goal`);
      }
    }
    while (next());
    submitted = answered;
  };
  run(Math.min(10_000, reads));
  const start = { answered, messages, slots: states[1]!.learner.commit };
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  run(reads);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { committed: answered - start.answered, slots: states[1]!.learner.commit - start.slots, messages: messages - start.messages, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export interface ReadBenchResult {
  readonly nodes: number;
  readonly mode: ReadMode;
  readonly runs: number;
  readonly readsPerSecond: number;
  readonly readsPerCpuSecond: number;
  readonly messagesPerRead: number;
  readonly slotsPerRead: number;
  /** readsPerCpuSecond / the log mode's, measured in the same run. */
  readonly vsLog: number;
}

export function benchReads(nodes: number, reads: number, runs: number): ReadBenchResult[] {
  const modes: readonly ReadMode[] = ['log', 'read-index', 'lease', 'follower'];
  const measured = modes.map((mode) => ({ mode, results: Array.from({ length: runs }, () => readsOnce(nodes, mode, reads, 64)) }));
  const perCpu = (rs: readonly BenchRun[]): number => median(rs.map((r) => r.committed / r.cpuSeconds));
  const log = perCpu(measured[0]!.results);
  const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
  return measured.map(({ mode, results }) => ({
    nodes,
    mode,
    runs,
    readsPerSecond: Math.round(median(results.map((r) => r.committed / r.seconds))),
    readsPerCpuSecond: Math.round(perCpu(results)),
    messagesPerRead: round(median(results.map((r) => r.messages / r.committed))),
    slotsPerRead: round(median(results.map((r) => r.slots / r.committed))),
    vsLog: round(perCpu(results) / log, 2),
  }));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface BenchResult {
  readonly nodes: number;
  readonly batching: 'off' | 'on';
  readonly batch: number;
  readonly window: number;
  readonly outstanding: number;
  readonly runs: number;
  /** Committed commands per wall-clock second (median). */
  readonly commandsPerSecond: number;
  /** Committed commands per CPU second of this process (median): less sensitive to other load. */
  readonly commandsPerCpuSecond: number;
  readonly messagesPerCommand: number;
  readonly messagesPerSlot: number;
  readonly floorPerSlot: number;
  readonly commandsPerSlot: number;
  /** The state machine alone, same commands, same batching (median commands per second). */
  readonly baselineStateMachineAlone: number;
  /** commandsPerSecond / (baseline / nodes): the share of the one-thread ceiling reached. */
  readonly ofCeiling: number;
}

export function bench(b: BenchConfig, runs: number): BenchResult {
  const results = Array.from({ length: runs }, () => runOnce(b));
  const baseline = median(Array.from({ length: runs }, () => baselineOnce(b.commands, b.batch, b.outstanding)));
  const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
  const commandsPerSecond = Math.round(median(results.map((r) => r.committed / r.seconds)));
  return {
    nodes: b.nodes,
    batching: b.batch > 1 ? 'on' : 'off',
    batch: b.batch,
    window: b.window,
    outstanding: b.outstanding,
    runs,
    commandsPerSecond,
    commandsPerCpuSecond: Math.round(median(results.map((r) => r.committed / r.cpuSeconds))),
    messagesPerCommand: round(median(results.map((r) => r.messages / r.committed))),
    messagesPerSlot: round(median(results.map((r) => r.messages / r.slots))),
    floorPerSlot: 2 * (b.nodes - 1),
    commandsPerSlot: round(median(results.map((r) => r.committed / r.slots)), 1),
    baselineStateMachineAlone: Math.round(baseline),
    ofCeiling: round(commandsPerSecond / (baseline / b.nodes)),
  };
}

function option(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a whole number >= 1`);
  return n;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const runs = option(argv, '--runs', 5);
  const commands = option(argv, '--commands', 200_000);
  const configs: BenchConfig[] = [];
  for (const nodes of [3, 5]) {
    configs.push({ nodes, batch: 1, window: 32, outstanding: 64, commands: Math.ceil(commands / 4) });
    configs.push({ nodes, batch: 128, window: 4, outstanding: 1024, commands });
  }
  const results = configs.map((c) => bench(c, runs));
  const readCount = option(argv, '--reads', 50_000);
  const reads = [3, 5].flatMap((nodes) => benchReads(nodes, readCount, runs));
  process.stdout.write(`${JSON.stringify({ benchmark: 'multipaxos', node: process.version, results, reads }, null, 2)}\n`);
}
