/**
 * The node driver: one protocol node (any `Protocol` of lib/core/protocol.ts, through its
 * adapter) run for real, on a `DurableLog` and a `Transport` (lib/runtime/contracts.ts).
 *
 * Inputs become steps: a wall-clock timer every `tickMs` becomes `timeout` (one tick of the
 * protocol's logical time), a message from the transport becomes `deliver`, a client command
 * becomes `request`. Each step runs at once, synchronously, on the node's state.
 *
 * Persist before send, with group commit: the persist changes of every step handled in one
 * turn of the event loop are appended together, then one `sync` makes them durable, then that
 * turn's sends and client replies go out, in the order the steps produced them. While a sync
 * is in flight the next steps run and gather into the next group, which waits for it: nothing
 * is ever sent before every change appended before it is durable. A sync that fails stops the
 * node (the error is logged and `onFatal` runs; the command exits non-zero): a node that could
 * not make a promise or a vote durable must not act on it.
 *
 * Lazy records (docs/runtime.md): a group whose changes are all of a kind the adapter calls
 * lazy (Multi-Paxos: `learned`; Raft: none) is appended and its sends and replies go out at
 * once, without a sync of its own. Those records become durable with the next sync (one write
 * holds every record buffered before it, in order, so a durable record implies every earlier
 * one), or, if no other sync has carried them for a whole tick, by a sync of their own at the
 * tick after (so within two ticks), or at `stop`. A group holding any other
 * change syncs first, as above: that sync also makes the lazy records before it durable.
 *
 * Snapshots: once `snapshotEvery` changes were logged since the last snapshot, the node's
 * whole durable record (the fold of every change logged, exactly what recovery would rebuild)
 * is written as the snapshot, between two groups, so that no change is appended meanwhile.
 */
import type { Addressed } from '../../core/protocol';
import type { NodeId, Step } from '../../core/types';
import type { Command, Reply } from '../../machine/command';
import { commandKey } from '../../machine/command';
import type { DurableLog, Recovered, Transport, TransportStats } from '../contracts';
import type { NodeView, ProtocolAdapter } from './adapter';
import type { NodeMetrics } from './metrics';

/** The log lines the driver writes; pino's logger has this shape. */
export interface NodeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const SILENT_LOGGER: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What a client command comes back with. */
export type Submitted<R> =
  | { readonly status: 'reply'; readonly reply: Reply<R> }
  /** No answer within the deadline: the command may or may not take effect. */
  | { readonly status: 'timeout' }
  /** The node stopped before it answered. */
  | { readonly status: 'stopped' };

export interface NodeTimings {
  /** Wall-clock length of one protocol tick. */
  readonly tickMs: number;
  /** Deadline of a client command, from its arrival. */
  readonly requestTimeoutMs: number;
  /** Changes logged since the last snapshot that trigger the next one. */
  readonly snapshotEvery: number;
}

export const DEFAULT_TIMINGS: NodeTimings = { tickMs: 10, requestTimeoutMs: 3000, snapshotEvery: 50_000 };

export interface NodeDriverOptions<S, M extends Addressed, E, D, Ch, Op, R> {
  readonly id: NodeId;
  readonly adapter: ProtocolAdapter<S, M, E, D, Ch, Op, R>;
  readonly log: DurableLog<Ch, D>;
  readonly transport: Transport<M>;
  readonly timings?: Partial<NodeTimings>;
  readonly metrics?: NodeMetrics;
  readonly logger?: NodeLogger;
  /** Runs once when the node stops on an error it cannot go on from (a failed sync). */
  readonly onFatal?: (error: Error) => void;
}

/** The status endpoint's view of the node (lib/runtime/node/http.ts adds pid and addresses). */
export interface NodeStatus extends NodeView {
  readonly id: NodeId;
  readonly protocol: string;
  /** Milliseconds since a message last arrived from another node; null before the first. */
  readonly lastContactMs: number | null;
  readonly counters: {
    readonly proposed: number;
    readonly quorumAcknowledged: number;
    readonly committed: number;
    readonly applied: number;
    readonly electionsStarted: number;
    readonly electionsWon: number;
    readonly syncs: number;
    readonly changesLogged: number;
    /** Groups of lazy records only, whose sends went out without waiting for a sync. */
    readonly lazyGroups: number;
    /** Messages from the node to itself, delivered without the transport. */
    readonly loopback: number;
    readonly snapshots: number;
  };
  readonly transport: TransportStats;
  readonly stopped: boolean;
}

interface Waiter<R> {
  readonly resolve: (s: Submitted<R>) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

type Outgoing<M, R> = { readonly kind: 'send'; readonly message: M } | { readonly kind: 'reply'; readonly client: string; readonly seq: number; readonly reply: Reply<R> };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class NodeDriver<S, M extends Addressed, E, D, Ch, Op, R> {
  readonly id: NodeId;
  private readonly adapter: ProtocolAdapter<S, M, E, D, Ch, Op, R>;
  private readonly log: DurableLog<Ch, D>;
  private readonly transport: Transport<M>;
  private readonly timings: NodeTimings;
  private readonly metrics: NodeMetrics | undefined;
  private readonly logger: NodeLogger;
  private readonly onFatal: ((error: Error) => void) | undefined;

  private state: S | undefined;
  private view: NodeView | undefined;
  /** The fold of every change handed to the log: what a snapshot writes. */
  private logged: D | undefined;
  private sinceSnapshot = 0;
  private pendingChanges: Ch[] = [];
  private pendingOut: Outgoing<M, R>[] = [];
  private flushScheduled = false;
  /** Lazy records appended and not yet covered by a sync. */
  private lazyUnsynced = 0;
  /** A tick found lazy records unsynced: the next tick syncs them if nothing else has by then. */
  private lazyAged = false;
  /** A second tick found lazy records unsynced: the next flush syncs even with no change of its own. */
  private syncWanted = false;
  private flushing: Promise<void> | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly waiters = new Map<string, Waiter<R>[]>();
  private lastContact: number | null = null;
  private opened = false;
  private stoppedFlag = false;
  private readonly counters: Mutable<NodeStatus['counters']> = {
    proposed: 0,
    quorumAcknowledged: 0,
    committed: 0,
    applied: 0,
    electionsStarted: 0,
    electionsWon: 0,
    syncs: 0,
    changesLogged: 0,
    lazyGroups: 0,
    loopback: 0,
    snapshots: 0,
  };

  constructor(options: NodeDriverOptions<S, M, E, D, Ch, Op, R>) {
    this.id = options.id;
    this.adapter = options.adapter;
    this.log = options.log;
    this.transport = options.transport;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.metrics = options.metrics;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.onFatal = options.onFatal;
    if (!this.adapter.protocol.nodes.includes(this.id)) throw new Error(`synod: node ${this.id} is not a member of the cluster (${this.adapter.protocol.nodes.join(', ')})`);
    if (!(this.timings.tickMs > 0)) throw new Error(`synod: the tick must be a positive number of milliseconds, got ${this.timings.tickMs}`);
  }

  /** Recovers from the log, starts the transport and the clock. Rejects if the log cannot be read. */
  async start(): Promise<Recovered<Ch, D>> {
    if (this.opened) throw new Error('synod: a node driver starts once');
    this.opened = true;
    const recovered = await this.log.open();
    let durable = recovered.snapshot;
    for (const change of recovered.changes) durable = this.adapter.fold(durable, change);
    this.logged = durable;
    this.state = this.adapter.protocol.recover(this.id, durable);
    this.view = this.adapter.view(this.state);
    if (recovered.truncatedTail !== undefined) {
      const t = recovered.truncatedTail;
      this.logger.warn({ file: t.file, offset: t.offset, bytes: t.bytes }, `a torn record at the tail of ${t.file} was cut off at offset ${t.offset} (${t.bytes} bytes)`);
    }
    this.protocolLine('info', { snapshot: recovered.snapshot !== undefined, changes: recovered.changes.length }, `recovered: ${recovered.changes.length} changes after ${recovered.snapshot === undefined ? 'no snapshot' : 'a snapshot'}`);
    this.metrics?.watchTransport(() => this.transport.stats());
    this.metrics?.points(this.view.commit, this.view.applied);
    await this.transport.start((m) => this.onMessage(m));
    this.ticker = setInterval(() => this.onTick(), this.timings.tickMs);
    return recovered;
  }

  /** Hands a client command to the node; resolves with its reply, or a timeout after the deadline. */
  submit(command: Command<Op>, timeoutMs: number = this.timings.requestTimeoutMs): Promise<Submitted<R>> {
    if (this.stoppedFlag || this.state === undefined) return Promise.resolve({ status: 'stopped' });
    const key = commandKey(command);
    const answer = new Promise<Submitted<R>>((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(key);
        if (list === undefined) return;
        const rest = list.filter((w) => w.timer !== timer);
        if (rest.length === 0) this.waiters.delete(key);
        else this.waiters.set(key, rest);
        resolve({ status: 'timeout' });
      }, timeoutMs);
      const list = this.waiters.get(key);
      if (list === undefined) this.waiters.set(key, [{ resolve, timer }]);
      else list.push({ resolve, timer });
    });
    this.run(this.adapter.protocol.request(this.state, command), null);
    return answer;
  }

  status(): NodeStatus {
    const view = this.currentView();
    return {
      id: this.id,
      protocol: this.adapter.name,
      ...view,
      lastContactMs: this.lastContact === null ? null : Math.max(0, Date.now() - this.lastContact),
      counters: { ...this.counters },
      transport: this.transport.stats(),
      stopped: this.stoppedFlag,
    };
  }

  /** The protocol state (for tests and the status line); undefined before `start`. */
  get protocolState(): S | undefined {
    return this.state;
  }

  /** True once the log is recovered and the transport started. */
  get started(): boolean {
    return this.view !== undefined && this.ticker !== null;
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Stops the clock, lets the group in flight finish, makes lazy records durable, answers waiting clients `stopped`, closes the transport and the log. */
  async stop(): Promise<void> {
    if (this.stoppedFlag) return;
    this.halt();
    if (this.flushing !== null) await this.flushing;
    if (this.lazyUnsynced > 0) {
      const n = this.lazyUnsynced;
      this.lazyUnsynced = 0;
      // A failure here loses only records the node can learn again: logged, not fatal.
      await this.log.sync().catch((error: unknown) => this.logger.error({ err: error instanceof Error ? error.message : String(error) }, `sync of ${n} lazy records at stop failed`));
    }
    await this.transport.close();
    await this.log.close();
  }

  private currentView(): NodeView {
    if (this.view === undefined) throw new Error('synod: the node has not started');
    return this.view;
  }

  private onTick(): void {
    if (this.stoppedFlag || this.state === undefined) return;
    if (this.lazyUnsynced > 0) {
      // Unsynced for a whole tick: no group with a vote or a promise came to carry them.
      if (this.lazyAged) this.syncWanted = true;
      else this.lazyAged = true;
    }
    this.run(this.adapter.protocol.timeout(this.state), null);
  }

  private onMessage(m: M): void {
    if (this.stoppedFlag || this.state === undefined) return;
    if (m.to !== this.id) {
      this.logger.warn({ from: m.from, to: m.to }, `a message for node ${m.to} arrived at node ${this.id}; dropped`);
      return;
    }
    this.lastContact = Date.now();
    this.metrics?.messageReceived(this.adapter.messageType(m));
    this.run(this.adapter.protocol.deliver(this.state, m), m);
  }

  /** Takes one step's result: the state moves on now; changes and outgoing effects wait for the next group commit. */
  private run(step: Step<S, E>, input: M | null): void {
    const before = this.state as S;
    this.state = step.state;
    const now = Date.now();
    for (const effect of step.effects) {
      const change = this.adapter.change(effect);
      if (change !== null) {
        this.pendingChanges.push(change);
        continue;
      }
      const message = this.adapter.protocol.sent(effect);
      if (message !== null) {
        this.pendingOut.push({ kind: 'send', message });
        if (input !== null) {
          const refused = this.adapter.rejection(input, message, before);
          if (refused !== null) this.metrics?.rejection(refused);
        }
        continue;
      }
      const reply = this.adapter.reply(effect);
      if (reply !== null) {
        this.pendingOut.push({ kind: 'reply', ...reply });
        continue;
      }
      const observed = this.adapter.observed(effect);
      if (observed !== null) {
        this.count(observed.stage, observed.commands);
        this.metrics?.observe(observed, now);
      }
    }
    if (step.ignored !== undefined) this.protocolLine('debug', {}, `ignored: ${step.ignored}`);
    this.noticeChanges();
    this.schedule();
  }

  private count(stage: 'proposed' | 'quorum-acknowledged' | 'committed' | 'applied', commands: number): void {
    if (stage === 'quorum-acknowledged') this.counters.quorumAcknowledged += commands;
    else this.counters[stage] += commands;
  }

  /** Role, ballot and election changes: logged, and counted in the metrics. */
  private noticeChanges(): void {
    const was = this.currentView();
    const now = this.adapter.view(this.state as S);
    this.view = now;
    const started = now.electionsStarted - was.electionsStarted;
    const won = now.electionsWon - was.electionsWon;
    if (started > 0 || won > 0) {
      this.counters.electionsStarted += Math.max(0, started);
      this.counters.electionsWon += Math.max(0, won);
      this.metrics?.elections(Math.max(0, started), Math.max(0, won));
    }
    if (now.role !== was.role || now.ballotText !== was.ballotText || now.leader !== was.leader) {
      const text = now.role === 'leader' ? 'leads' : now.role === 'candidate' ? 'campaigns' : `follows ${now.leader === 0 ? 'no known leader' : `node ${now.leader}`}`;
      this.protocolLine('info', { role: now.role, leader: now.leader }, `${text} at ${now.ballotText}`);
    }
    if (now.commit !== was.commit || now.applied !== was.applied) this.metrics?.points(now.commit, now.applied);
  }

  /** A protocol log line: node id (the logger's base), ballot and slot (the commit point) on every one. */
  private protocolLine(level: 'debug' | 'info' | 'warn', fields: object, message: string): void {
    const v = this.view;
    this.logger[level]({ ballot: v?.ballotText, slot: v?.commit, ...fields }, message);
  }

  private schedule(): void {
    if (this.flushScheduled || this.flushing !== null || this.stoppedFlag) return;
    if (this.pendingChanges.length === 0 && this.pendingOut.length === 0 && !this.syncWanted) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.flushing === null && !this.stoppedFlag) this.flushing = this.flush().finally(() => { this.flushing = null; });
    });
  }

  /**
   * Group commit, group after group, until nothing is pending: append, one sync, then send and
   * reply in order. A group of lazy records only (and no sync asked for by a tick) skips the sync.
   */
  private async flush(): Promise<void> {
    while (!this.stoppedFlag && (this.pendingChanges.length > 0 || this.pendingOut.length > 0 || this.syncWanted)) {
      const changes = this.pendingChanges;
      const out = this.pendingOut;
      this.pendingChanges = [];
      this.pendingOut = [];
      if (changes.length > 0) {
        this.log.append(changes);
        for (const c of changes) this.logged = this.adapter.fold(this.logged, c);
        this.sinceSnapshot += changes.length;
        this.counters.changesLogged += changes.length;
      }
      const lazyOnly = changes.length > 0 && changes.every((c) => this.adapter.lazy(c));
      if (lazyOnly && !this.syncWanted) {
        this.lazyUnsynced += changes.length;
        this.counters.lazyGroups += 1;
      } else if (changes.length > 0 || this.syncWanted) {
        this.syncWanted = false;
        this.lazyAged = false;
        const covered = this.lazyUnsynced;
        this.lazyUnsynced = 0;
        const t0 = process.hrtime.bigint();
        try {
          await this.log.sync();
        } catch (error) {
          this.fail(error, `sync failed; stopping before any send of the ${changes.length + covered} changes it held`);
          return;
        }
        this.counters.syncs += 1;
        this.metrics?.fsyncSeconds(Number(process.hrtime.bigint() - t0) / 1e9);
        if (this.stoppedFlag) return;
      }
      this.deliverOut(out);
      if (this.sinceSnapshot >= this.timings.snapshotEvery) await this.snapshot();
    }
  }

  private deliverOut(out: readonly Outgoing<M, R>[]): void {
    let loopback: M[] | null = null;
    for (const o of out) {
      if (o.kind === 'send' && o.message.to === this.id) {
        (loopback ??= []).push(o.message);
        continue;
      }
      if (o.kind === 'send') {
        // The transport encodes the message once; its frame's size is the bytes counted.
        const bytes = this.transport.send(o.message.to, o.message);
        this.metrics?.messageSent(this.adapter.messageType(o.message), bytes);
        continue;
      }
      this.answer(o.client, o.seq, { status: 'reply', reply: o.reply });
    }
    // A node's message to itself (Multi-Paxos's leader to its own acceptor, `ownVote:
    // 'parallel'`) crosses no socket: it is delivered here, after everything else of its group
    // went out, and what that step persists and sends joins the next group like any step's.
    if (loopback !== null) for (const m of loopback) this.onLoopback(m);
  }

  private onLoopback(m: M): void {
    if (this.stoppedFlag || this.state === undefined) return;
    this.counters.loopback += 1;
    this.run(this.adapter.protocol.deliver(this.state, m), m);
  }

  private answer(client: string, seq: number, submitted: Submitted<R>): void {
    const key = commandKey({ client, seq });
    const list = this.waiters.get(key);
    if (list === undefined) return;
    this.waiters.delete(key);
    for (const w of list) {
      clearTimeout(w.timer);
      w.resolve(submitted);
    }
  }

  private async snapshot(): Promise<void> {
    const record = this.logged;
    if (record === undefined) return;
    try {
      await this.log.writeSnapshot(record, []);
    } catch (error) {
      this.fail(error, 'snapshot failed; stopping');
      return;
    }
    this.sinceSnapshot = 0;
    // The snapshot holds the whole record, lazy records included, and supersedes the log.
    this.lazyUnsynced = 0;
    this.lazyAged = false;
    this.counters.snapshots += 1;
    this.protocolLine('info', {}, 'snapshot written: the whole durable record; the log before it dropped');
  }

  /** Stops everything at once: no more steps, no more sends; waiting clients hear `stopped`. */
  private halt(): void {
    this.stoppedFlag = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.pendingOut = [];
    this.pendingChanges = [];
    for (const [key, list] of [...this.waiters]) {
      this.waiters.delete(key);
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve({ status: 'stopped' });
      }
    }
  }

  private fail(error: unknown, message: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.halt();
    this.logger.error({ err: err.message }, `${message}: ${err.message}`);
    void this.transport.close().catch(() => undefined);
    this.onFatal?.(err);
  }
}
