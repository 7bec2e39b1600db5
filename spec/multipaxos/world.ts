/**
 * A seeded, fault-injecting world for Multi-Paxos runs in the tests: nodes driven through the
 * `Protocol` interface, a network with delay, reordering, loss, duplication and partitions,
 * crashes (including a crash after a step's persist and before its sends leave), and Jepsen-
 * style clients that record a key-value history for the linearizability checker.
 *
 * Every step is checked with `LogMonitor` (every invariant of lib/invariants/log.ts and the
 * per-slot ones of voting.ts). Time is logical: one tick is one `timeout` of every node.
 * Faults stop at `healAt`; then every client issues `probes` more commands, which must all be
 * acknowledged: commands commit again once the faults are over.
 */
import type { HistoryF, HistoryRecord } from '../../lib/check/linearizability';
import { checkHistory } from '../../lib/check/linearizability';
import { Random } from '../../lib/harness/random';
import { LogMonitor } from '../../lib/invariants/log';
import type { Violation } from '../../lib/invariants/voting';
import type { Command, MultiMessage } from '../../lib/multipaxos/messages';
import { commandKey } from '../../lib/multipaxos/messages';
import type { KvOp, KvResult, KvState } from '../../lib/multipaxos/machine';
import { kvStore } from '../../lib/multipaxos/machine';
import type { Handlers, MultiEffect, MultiNodeState, MultiPaxosConfig, MultiRecord } from '../../lib/multipaxos/node';
import { multiPaxosProtocol, observedMessage } from '../../lib/multipaxos/node';
import * as vec from '../../lib/multipaxos/vector';
import { majorities } from '../../lib/paxos/quorum';
import type { NodeId, Step } from '../../lib/paxos/types';

type S = KvState;
type Op = KvOp;
type R = KvResult;
type State = MultiNodeState<S, Op, R>;
type Effect = MultiEffect<Op, R>;
type Message = MultiMessage<Op>;

export interface WorldOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly clients: number;
  /** Commands each client issues while faults may happen. */
  readonly commands: number;
  /** Commands each client issues after the faults stop; every one must be acknowledged. */
  readonly probes: number;
  readonly healAt: number;
  /** Ticks allowed after healing for every client to finish. */
  readonly settle: number;
  readonly loss: number;
  readonly dup: number;
  readonly crashes: boolean;
  readonly partitions: boolean;
  readonly window: number;
  readonly batch: number;
  readonly handlers?: Handlers<S, Op, R>;
  /** Stop at the first violation (mutant hunts). */
  readonly stopOnViolation: boolean;
}

export const DEFAULT_WORLD: Omit<WorldOptions, 'seed'> = {
  nodes: 3,
  clients: 3,
  commands: 6,
  probes: 2,
  healAt: 200,
  settle: 400,
  loss: 0.05,
  dup: 0.05,
  crashes: true,
  partitions: true,
  window: 4,
  batch: 4,
  stopOnViolation: true,
};

export interface WorldResult {
  readonly seed: number;
  readonly violations: readonly Violation[];
  readonly history: readonly HistoryRecord[];
  readonly linearizable: boolean | 'unknown';
  /** Commands in slots chosen by a quorum of votes. */
  readonly committed: number;
  /** Distinct commands in the longest applied log. */
  readonly applied: number;
  /** Commands a client heard "ok" (or a failed cas) for. */
  readonly acknowledged: number;
  /** Probes issued after healing, and how many were acknowledged. */
  readonly probes: number;
  readonly probesAcknowledged: number;
  readonly elections: number;
  readonly messages: number;
  readonly messagesPerCommand: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly ticks: number;
}

interface InFlightMessage {
  readonly due: number;
  readonly message: Message;
}

interface Client {
  readonly name: string;
  process: number;
  seq: number;
  issued: number;
  pending: { command: Command<Op>; f: HistoryF; deadline: number; attempts: number; target: NodeId; probe: boolean } | null;
  nextAt: number;
}

const RETRY_AFTER = 12;
const MAX_ATTEMPTS = 6;

export function runWorld(options: WorldOptions): WorldResult {
  const rng = new Random(options.seed);
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const config: MultiPaxosConfig<S, Op, R> = {
    quorums: majorities(options.nodes),
    machine: kvStore,
    window: options.window,
    batch: options.batch,
    heartbeat: 2,
    electionTimeout: 10,
    seed: options.seed,
    startRound: 40,
  };
  const protocol = multiPaxosProtocol(config, options.handlers);
  const states = new Map<NodeId, State>(ids.map((id) => [id, protocol.init(id)]));
  const durable = new Map<NodeId, MultiRecord<Op> | undefined>();
  const downUntil = new Map<NodeId, number>();
  let partition: { until: number; side: Set<NodeId> } | null = null;
  let inflight: InFlightMessage[] = [];
  const monitor = new LogMonitor<Op>(config.quorums);
  const violations: Violation[] = [];
  const history: HistoryRecord[] = [];
  const clients: Client[] = Array.from({ length: options.clients }, (_, i) => ({
    name: `c${i + 1}`,
    process: i,
    seq: 0,
    issued: 0,
    pending: null,
    nextAt: rng.between(1, 10),
  }));
  let now = 0;
  let messages = 0;
  let elections = 0;
  let acknowledged = 0;
  let probes = 0;
  let probesAcknowledged = 0;
  let crashes = 0;
  let partitions = 0;
  const faulty = (): boolean => now < options.healAt;

  const nodes = () => ids.map((id) => states.get(id)!);
  const up = (id: NodeId): boolean => (downUntil.get(id) ?? -1) < now;
  const reachable = (a: NodeId, b: NodeId): boolean => partition === null || partition.side.has(a) === partition.side.has(b);

  function crash(id: NodeId): void {
    crashes += 1;
    downUntil.set(id, now + rng.between(5, 40));
    states.set(id, protocol.recover(id, durable.get(id)));
  }

  function apply(id: NodeId, step: Step<State, Effect>): void {
    states.set(id, step.state);
    let record = durable.get(id);
    for (const e of step.effects) record = protocol.persisted(record, e);
    durable.set(id, record);
    // A crash after the persist and before the sends leave: the durable record survives, nothing is sent.
    if (faulty() && options.crashes && step.effects.some((e) => e.type === 'send') && rng.chance(0.003)) {
      crash(id);
      check();
      return;
    }
    for (const e of step.effects) {
      const m = observedMessage(e);
      if (m !== null) monitor.message(m);
      if (e.type === 'local' && e.message.type === 'promise') elections += 1;
      if (e.type === 'send') send(e.message);
      if (e.type === 'reply') reply(e);
    }
    check();
  }

  function check(): void {
    if (violations.length > 0 && options.stopOnViolation) return;
    violations.push(...monitor.check(nodes()));
  }

  function send(m: Message): void {
    messages += 1;
    if (faulty() && rng.chance(options.loss)) return;
    inflight.push({ due: now + rng.between(1, 3), message: m });
    if (faulty() && rng.chance(options.dup)) inflight.push({ due: now + rng.between(1, 6), message: m });
  }

  function reply(e: Extract<Effect, { type: 'reply' }>): void {
    if (e.reply.status === 'ok') monitor.ack({ node: e.node, client: e.client, seq: e.seq });
    const client = clients.find((c) => c.name === e.client);
    const p = client?.pending;
    if (client === undefined || p === null || p === undefined || p.command.seq !== e.seq) return;
    switch (e.reply.status) {
      case 'ok': {
        const r = e.reply.result;
        const op = p.command.op;
        const value: HistoryRecord['value'] =
          op.type === 'get' ? r.value : op.type === 'put' ? op.value : op.type === 'cas' ? [op.expect, op.value] : null;
        history.push({ process: client.process, type: r.ok ? 'ok' : 'fail', f: p.f, key: op.key, value });
        acknowledged += 1;
        if (p.probe) probesAcknowledged += 1;
        client.pending = null;
        client.nextAt = now + rng.between(1, 6);
        return;
      }
      case 'redirect':
      case 'deposed':
        p.target = e.reply.leader === 0 ? rng.pick(ids) : e.reply.leader;
        p.deadline = now + 1;
        return;
      default: {
        const never: never = e.reply;
        throw new Error(`unexpected reply ${JSON.stringify(never)}`);
      }
    }
  }

  function issue(c: Client): void {
    const probe = c.issued >= options.commands;
    if (probe) probes += 1;
    c.issued += 1;
    c.seq += 1;
    const key = rng.pick(['x', 'y']);
    const value = c.process * 1000 + c.seq + 1;
    const choice = rng.below(4);
    const op: KvOp =
      choice === 0 ? { type: 'get', key }
        : choice === 1 ? { type: 'put', key, value }
          : choice === 2 ? { type: 'cas', key, expect: rng.chance(0.5) ? null : lastWritten(key), value }
            : { type: 'delete', key };
    const f: HistoryF = op.type === 'get' ? 'read' : op.type === 'put' ? 'write' : op.type === 'cas' ? 'cas' : 'delete';
    const invokeValue: HistoryRecord['value'] = op.type === 'put' ? op.value : op.type === 'cas' ? [op.expect, op.value] : null;
    history.push({ process: c.process, type: 'invoke', f, key, value: invokeValue });
    const command: Command<Op> = { client: c.name, seq: c.seq, op };
    monitor.request(command);
    c.pending = { command, f, deadline: now, attempts: 0, target: rng.pick(ids), probe };
  }

  function lastWritten(key: string): number | null {
    for (let i = history.length - 1; i >= 0; i -= 1) {
      const h = history[i]!;
      if (h.key === key && h.type === 'invoke' && h.f === 'write' && typeof h.value === 'number') return h.value;
    }
    return null;
  }

  function retry(c: Client): void {
    const p = c.pending!;
    if (p.attempts >= MAX_ATTEMPTS && faulty()) {
      const op = p.command.op;
      history.push({ process: c.process, type: 'info', f: p.f, key: op.key, value: op.type === 'put' ? op.value : op.type === 'cas' ? [op.expect, op.value] : null });
      c.process += options.clients;
      c.pending = null;
      c.nextAt = now + 1;
      return;
    }
    p.attempts += 1;
    p.deadline = now + RETRY_AFTER;
    const target = p.target;
    p.target = rng.pick(ids);
    if (up(target)) apply(target, protocol.request(states.get(target)!, p.command));
  }

  const done = (): boolean => clients.every((c) => c.pending === null && c.issued >= options.commands + options.probes);

  for (now = 0; now < options.healAt + options.settle; now += 1) {
    if (violations.length > 0 && options.stopOnViolation) break;
    if (now === options.healAt) {
      partition = null;
      for (const id of ids) downUntil.delete(id);
    }
    if (faulty()) {
      if (options.crashes && rng.chance(0.02)) {
        const id = rng.pick(ids);
        if (up(id)) crash(id);
      }
      if (options.partitions && partition === null && rng.chance(0.02)) {
        partitions += 1;
        partition = { until: now + rng.between(10, 50), side: new Set(ids.filter(() => rng.chance(0.5))) };
      }
      if (partition !== null && partition.until <= now) partition = null;
    }
    const due = inflight.filter((f) => f.due <= now);
    inflight = inflight.filter((f) => f.due > now);
    for (let i = due.length - 1; i > 0; i -= 1) {
      const j = rng.below(i + 1);
      [due[i], due[j]] = [due[j]!, due[i]!];
    }
    for (const { message } of due) {
      if (!up(message.to) || !reachable(message.from, message.to)) continue;
      apply(message.to, protocol.deliver(states.get(message.to)!, message));
    }
    for (const id of ids) if (up(id)) apply(id, protocol.timeout(states.get(id)!));
    for (const c of clients) {
      if (c.pending === null) {
        const more = c.issued < options.commands || (!faulty() && c.issued < options.commands + options.probes);
        if (more && now >= c.nextAt) issue(c);
      }
      if (c.pending !== null && now >= c.pending.deadline) retry(c);
    }
    if (!faulty() && done() && inflight.length === 0) break;
  }
  for (const c of clients) {
    const p = c.pending;
    if (p === null) continue;
    const op = p.command.op;
    history.push({ process: c.process, type: 'info', f: p.f, key: op.key, value: op.type === 'put' ? op.value : op.type === 'cas' ? [op.expect, op.value] : null });
  }
  const verdict = checkHistory(history);
  const longest = nodes().reduce((a, b) => (b.commit > a.commit ? b : a));
  const appliedKeys = new Set<string>();
  for (const entry of vec.range(longest.log, 0, longest.commit)) {
    if (entry?.kind === 'batch') for (const c of entry.commands) appliedKeys.add(commandKey(c));
  }
  const committed = monitor.chosenCommandCount();
  return {
    seed: options.seed,
    violations,
    history,
    linearizable: verdict.linearizable,
    committed,
    applied: appliedKeys.size,
    acknowledged,
    probes,
    probesAcknowledged,
    elections,
    messages,
    messagesPerCommand: committed === 0 ? 0 : messages / committed,
    crashes,
    partitions,
    ticks: now,
  };
}
