/**
 * The effects of a Raft step, and the builder every handler writes them with.
 *
 * Effects are data, as in etcd's `Ready`: messages to send, changes to persist, and what the
 * drivers observe (the same stage, chosen, applied and reply effects the Multi-Paxos node
 * emits, so the simulator's stages, traces and client histories read both protocols alike).
 * A `slot` in an observed effect is a Raft log index.
 */
import type { NodeId, Step } from '../core/types';
import type { Reply } from '../machine/command';
import type { RaftMessage, RaftMessageType } from './messages';
import type { PersistChange, RaftConfig, RaftEntry, RaftNodeState } from './state';
import { entriesBetween } from './state';

export type RaftEffect<Op, R> =
  | { readonly type: 'send'; readonly message: RaftMessage<Op> }
  | { readonly type: 'persist'; readonly change: PersistChange<Op> }
  /** The leader appended an entry (proposed), or saw it stored on a majority and committed it. */
  | { readonly type: 'stage'; readonly stage: 'proposed' | 'quorum-acknowledged'; readonly slot: number; readonly term: number; readonly value: RaftEntry<Op> }
  /** commitIndex passed the entry at `slot` on this server. */
  | { readonly type: 'chosen'; readonly slot: number; readonly value: RaftEntry<Op> }
  /** The entry at `slot` was applied to the state machine (`commands` newly applied). */
  | { readonly type: 'applied'; readonly slot: number; readonly commands: number }
  | {
      readonly type: 'reply';
      readonly node: NodeId;
      readonly client: string;
      readonly seq: number;
      readonly reply: Reply<R>;
      /** A read answered outside the log (reads.ts): the mode that answered it (a lease read past its lease says read-index), at which commit index, whether it may be stale. */
      readonly read?: { readonly mode: 'read-index' | 'lease' | 'follower'; readonly applied: number; readonly stale: boolean };
    }
  /** This server won the election of `term`. */
  | { readonly type: 'elected'; readonly term: number };

export type RaftStep<S, Op, R> = Step<RaftNodeState<S, Op, R>, RaftEffect<Op, R>>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One step under construction: the state so far and the effects so far, local to one handler
 * call. Persist changes are kept apart and put first when the step is finished, so that a
 * driver makes them durable before the step's messages leave.
 */
export class Builder<S, Op, R> {
  private readonly persists: RaftEffect<Op, R>[] = [];
  private readonly rest: RaftEffect<Op, R>[] = [];
  private owned = false;

  constructor(
    readonly config: RaftConfig<S, Op, R>,
    public s: RaftNodeState<S, Op, R>,
  ) {}

  /** Patches the state; the input state is never changed (the first patch copies it). */
  update(patch: Partial<RaftNodeState<S, Op, R>>): void {
    if (this.owned) {
      Object.assign(this.s as Mutable<RaftNodeState<S, Op, R>>, patch);
      return;
    }
    this.s = { ...this.s, ...patch };
    this.owned = true;
  }

  send(message: RaftMessage<Op>): void {
    this.rest.push({ type: 'send', message });
  }

  emit(effect: RaftEffect<Op, R>): void {
    this.rest.push(effect);
  }

  persist(change: PersistChange<Op>): void {
    this.persists.push({ type: 'persist', change });
  }

  /** Sets currentTerm and votedFor, persisted ("Updated on stable storage before responding to RPCs"). */
  hardState(currentTerm: number, votedFor: NodeId): void {
    if (currentTerm === this.s.currentTerm && votedFor === this.s.votedFor) return;
    this.update({ currentTerm, votedFor });
    this.persist({ kind: 'hard-state', currentTerm, votedFor });
  }

  /** The other servers. */
  peers(): readonly NodeId[] {
    return this.config.servers.filter((id) => id !== this.s.id);
  }

  /**
   * Leadership ends. The leader's entries of its own term that it has not seen committed may or
   * may not be committed by a later leader: their clients hear `indeterminate`, and retry.
   */
  leaveLeadership(hint: NodeId): void {
    if (this.s.role !== 'leader') return;
    const term = this.s.currentTerm;
    for (const e of entriesBetween(this.s.log, this.s.commitIndex + 1, this.s.log.size)) {
      if (e.kind !== 'command' || e.term !== term) continue;
      this.emit({ type: 'reply', node: this.s.id, client: e.command.client, seq: e.command.seq, reply: { status: 'indeterminate', leader: hint } });
    }
  }

  /**
   * Becomes a follower of `leader` (0: unknown). The election timer starts over only when a
   * leader was heard (or this server led until now): "If election timeout elapses without
   * receiving AppendEntries RPC from current leader or granting vote to candidate: convert to
   * candidate". A higher term alone does not restart it, so that a server that cannot win
   * (its log is behind) does not keep the one that can from campaigning.
   */
  becomeFollower(leader: NodeId): void {
    const restart = leader !== 0 || this.s.role === 'leader';
    this.leaveLeadership(leader);
    this.update({ role: 'follower', leader, votes: [], nextIndex: {}, matchIndex: {}, elapsed: restart ? 0 : this.s.elapsed });
  }

  finish(ignored?: string): RaftStep<S, Op, R> {
    let sent: Record<RaftMessageType, number> | null = null;
    for (const e of this.rest) {
      if (e.type !== 'send') continue;
      sent ??= { ...this.s.counters.sent };
      sent[e.message.type] += 1;
    }
    if (sent !== null) this.update({ counters: { ...this.s.counters, sent } });
    const effects = [...this.persists, ...this.rest];
    return ignored === undefined || effects.length > 0 ? { state: this.s, effects } : { state: this.s, effects, ignored };
  }
}
