/**
 * The node's Prometheus metrics (prom-client), one registry per node so that several drivers
 * in one process (the tests) keep theirs apart. The seed's stages are separate counters,
 * counted in client commands: proposed, quorum_acknowledged, committed, applied; the commit
 * latency runs from a slot's proposal to its quorum acknowledgement and to its application at
 * the leader; fsync latency is measured around each group commit.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TransportStats } from '../contracts';
import type { Observed, Rejection } from './adapter';
import type { SnapshotCounts } from './snapshots';

/** What `/metrics` reports of a node's snapshots: the protocol's (Multi-Paxos only) and the driver's file snapshots. */
export interface SnapshotMetrics extends Partial<SnapshotCounts> {
  /** File snapshots the driver wrote (the durable record, then a fresh log). */
  readonly filesWritten: number;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Proposal times kept for the latency histogram; a deposed leader's slots are forgotten past this. */
const MAX_TRACKED_SLOTS = 100_000;

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly stages: Record<Observed['stage'], Counter>;
  private readonly commitLatency: Histogram<'to'>;
  private readonly electionsStarted: Counter;
  private readonly electionsWon: Counter;
  private readonly rejections: Counter<'phase' | 'reason'>;
  private readonly commitPoint: Gauge;
  private readonly appliedPoint: Gauge;
  private readonly fsync: Histogram;
  private readonly sent: Counter<'type'>;
  private readonly sentBytes: Counter<'type'>;
  private readonly received: Counter<'type'>;
  private readonly proposedAt = new Map<number, number>();
  private transportStats: (() => TransportStats) | null = null;
  private snapshotStats: (() => SnapshotMetrics) | null = null;

  constructor(labels: { readonly node: number; readonly protocol: string }, options: { readonly processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ node: String(labels.node), protocol: labels.protocol });
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.stages = {
      proposed: counter('synod_proposed_total', 'client commands proposed by this node as leader (the seed stage "proposed")'),
      'quorum-acknowledged': counter('synod_quorum_acknowledged_total', 'client commands this node saw accepted by a quorum as leader'),
      committed: counter('synod_committed_total', 'client commands this node learned chosen (committed)'),
      applied: counter('synod_applied_total', 'client commands this node applied to its state machine'),
    };
    this.commitLatency = new Histogram({
      name: 'synod_commit_latency_seconds',
      help: 'time from a slot proposed by the leader to its quorum acknowledgement (to="quorum_acknowledged") and to its application (to="applied")',
      labelNames: ['to'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.electionsStarted = counter('synod_elections_started_total', 'campaigns this node started (phase 1 / RequestVote)');
    this.electionsWon = counter('synod_elections_won_total', 'campaigns this node won');
    this.rejections = new Counter({ name: 'synod_rejections_total', help: 'promises and accepts this node refused, by phase and reason', labelNames: ['phase', 'reason'], registers });
    this.commitPoint = new Gauge({ name: 'synod_commit_point', help: 'every slot below it is known chosen here', registers });
    this.appliedPoint = new Gauge({ name: 'synod_applied_point', help: 'every slot below it is applied here', registers });
    this.fsync = new Histogram({ name: 'synod_fsync_seconds', help: 'duration of one group commit (write and fdatasync)', buckets: LATENCY_BUCKETS, registers });
    this.sent = new Counter({ name: 'synod_messages_sent_total', help: 'protocol messages sent, by type', labelNames: ['type'], registers });
    this.sentBytes = new Counter({ name: 'synod_message_bytes_sent_total', help: 'bytes of the protocol messages sent, by type: their frames as the transport encoded them (length, sender, HMAC included)', labelNames: ['type'], registers });
    this.received = new Counter({ name: 'synod_messages_received_total', help: 'protocol messages received, by type', labelNames: ['type'], registers });
    const stats = (): TransportStats | null => (this.transportStats === null ? null : this.transportStats());
    new Gauge({
      name: 'synod_transport_frames',
      help: 'frames sent and received by the transport since start',
      labelNames: ['direction'],
      registers,
      collect() {
        const s = stats();
        if (s === null) return;
        this.set({ direction: 'sent' }, s.framesSent);
        this.set({ direction: 'received' }, s.framesReceived);
      },
    });
    new Gauge({
      name: 'synod_transport_bytes',
      help: 'bytes sent and received by the transport since start',
      labelNames: ['direction'],
      registers,
      collect() {
        const s = stats();
        if (s === null) return;
        this.set({ direction: 'sent' }, s.bytesSent);
        this.set({ direction: 'received' }, s.bytesReceived);
      },
    });
    new Gauge({
      name: 'synod_transport_rejected_frames',
      help: 'frames the transport dropped on receipt since start, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        const s = stats();
        if (s === null) return;
        for (const [reason, n] of Object.entries(s.rejected)) this.set({ reason }, n);
      },
    });
    const snapshots = (): SnapshotMetrics | null => (this.snapshotStats === null ? null : this.snapshotStats());
    new Counter({
      name: 'synod_snapshots_total',
      help: 'snapshots since start: kind="taken" (this node compacted its log), "installed" (a peer\'s snapshot brought it up to date), "file" (the driver wrote its durable record as a snapshot file)',
      labelNames: ['kind'],
      registers,
      collect() {
        const s = snapshots();
        if (s === null) return;
        this.reset();
        if (s.taken !== undefined) this.inc({ kind: 'taken' }, s.taken);
        if (s.installed !== undefined) this.inc({ kind: 'installed' }, s.installed);
        this.inc({ kind: 'file' }, s.filesWritten);
      },
    });
    new Gauge({
      name: 'synod_snapshot_slot',
      help: "the node's snapshot point: every slot below it is folded into its snapshot and dropped from its log (0: none)",
      registers,
      collect() {
        const s = snapshots();
        if (s?.slot !== undefined) this.set(s.slot);
      },
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'synod_process_' });
  }

  /** The transport whose counters `/metrics` reports. */
  watchTransport(stats: () => TransportStats): void {
    this.transportStats = stats;
  }

  /** The snapshot counts `/metrics` reports. */
  watchSnapshots(stats: () => SnapshotMetrics): void {
    this.snapshotStats = stats;
  }

  observe(o: Observed, nowMs: number): void {
    if (o.commands > 0) this.stages[o.stage].inc(o.commands);
    switch (o.stage) {
      case 'proposed':
        if (this.proposedAt.size >= MAX_TRACKED_SLOTS) this.proposedAt.clear();
        this.proposedAt.set(o.slot, nowMs);
        return;
      case 'quorum-acknowledged': {
        const t = this.proposedAt.get(o.slot);
        if (t !== undefined) this.commitLatency.observe({ to: 'quorum_acknowledged' }, (nowMs - t) / 1000);
        return;
      }
      case 'applied': {
        const t = this.proposedAt.get(o.slot);
        if (t === undefined) return;
        this.commitLatency.observe({ to: 'applied' }, (nowMs - t) / 1000);
        this.proposedAt.delete(o.slot);
        return;
      }
      case 'committed':
        return;
    }
  }

  elections(started: number, won: number): void {
    if (started > 0) this.electionsStarted.inc(started);
    if (won > 0) this.electionsWon.inc(won);
  }

  rejection(r: Rejection): void {
    this.rejections.inc({ phase: r.phase, reason: r.reason });
  }

  points(commit: number, applied: number): void {
    this.commitPoint.set(commit);
    this.appliedPoint.set(applied);
  }

  fsyncSeconds(seconds: number): void {
    this.fsync.observe(seconds);
  }

  messageSent(type: string, bytes: number): void {
    this.sent.inc({ type });
    this.sentBytes.inc({ type }, bytes);
  }

  messageReceived(type: string): void {
    this.received.inc({ type });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
