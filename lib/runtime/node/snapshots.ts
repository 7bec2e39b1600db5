/**
 * A Multi-Paxos node's snapshots, counted for `GET /v1/status` and `/metrics`: the slot of its
 * current snapshot (every slot below it is folded into the replica and gone from the log), how
 * many snapshots it took itself (compaction every `--snapshot-every` slots), and how many it
 * installed from a peer (a `snapshot` message, or a promise that carried one, that moved its
 * snapshot point: the catch-up of a follower too far behind).
 *
 * The driver stays protocol-neutral, so this watches from the outside, through the two seams a
 * snapshot crosses: the transport's delivery (a delivered message that carries a snapshot at
 * slot s, after whose step the node's snapshot point reached s, was installed) and the log's
 * append (every `snapshot` persist change is one snapshot: installed if its slot is one of those
 * installs, taken otherwise). A step delivers synchronously (driver.ts `onMessage` runs the
 * step before it returns), so the snapshot point read right after the handler is that step's.
 */
import type { NodeId } from '../../core/types';
import type { DurableChange } from '../../multipaxos/state';
import type { MultiMessage } from '../../multipaxos/messages';
import type { DurableLog, Recovered, Transport, TransportStats } from '../contracts';

export interface SnapshotCounts {
  /** The node's snapshot point: every slot below it is in its snapshot (0: none). */
  readonly slot: number;
  /** Snapshots this node took itself (compaction). */
  readonly taken: number;
  /** Snapshots this node installed from a peer. */
  readonly installed: number;
}

/** The snapshot a Multi-Paxos message carries: its slot, or null. */
export function carriedSnapshot(m: MultiMessage<unknown>): number | null {
  if (m.type === 'snapshot') return m.slot;
  if (m.type === 'promise' && m.snapshot !== undefined) return m.snapshot.slot;
  return null;
}

export class SnapshotWatch {
  private taken = 0;
  private installed = 0;
  /** Slots of installs seen on delivery whose persist change the log has not been handed yet. */
  private readonly pendingInstalls: number[] = [];

  /** `slotOf`: the node's current snapshot point (0 before the node started). */
  constructor(private readonly slotOf: () => number) {}

  counts(): SnapshotCounts {
    return { slot: this.slotOf(), taken: this.taken, installed: this.installed };
  }

  /** The transport, with each delivery of a snapshot-carrying message checked for an install. */
  transport<M extends MultiMessage<unknown>>(inner: Transport<M>): Transport<M> {
    return {
      start: (onMessage: (message: M) => void) =>
        inner.start((m) => {
          const carried = carriedSnapshot(m);
          if (carried === null) return onMessage(m);
          const before = this.slotOf();
          onMessage(m);
          if (carried > before && this.slotOf() >= carried) {
            this.installed += 1;
            this.pendingInstalls.push(carried);
          }
        }),
      send: (to: NodeId, message: M) => inner.send(to, message),
      stats: (): TransportStats => inner.stats(),
      close: () => inner.close(),
    };
  }

  /** The log, with each appended `snapshot` change counted as taken unless it is an install's. */
  log<Op, Snap>(inner: DurableLog<DurableChange<Op>, Snap>): DurableLog<DurableChange<Op>, Snap> {
    return {
      open: (): Promise<Recovered<DurableChange<Op>, Snap>> => inner.open(),
      append: (changes: readonly DurableChange<Op>[]) => {
        inner.append(changes);
        for (const c of changes) {
          if (c.kind !== 'snapshot') continue;
          const i = this.pendingInstalls.indexOf(c.slot);
          if (i >= 0) this.pendingInstalls.splice(i, 1);
          else this.taken += 1;
        }
      },
      sync: () => inner.sync(),
      writeSnapshot: (snapshot: Snap, changesAfter: readonly DurableChange<Op>[]) => inner.writeSnapshot(snapshot, changesAfter),
      close: () => inner.close(),
    };
  }
}
