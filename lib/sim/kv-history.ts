/**
 * The clients' key-value history in Jepsen's shape (lib/history/linearizability.ts), recorded
 * as commands are handed out and "ok" replies come back. Both protocols' simulator journals use
 * it, so a Multi-Paxos history and a Raft history mean the same thing.
 *
 * One closed-loop client is one Jepsen process. A completion records what the reply observed:
 * a read's value, and for put, delete and cas the value they replaced (a failed cas: the value
 * it found). A command still waiting at the end is `info`: it may or may not have happened.
 */
import type { HistoryF, HistoryRecord, Scalar } from '../history/linearizability';
import { checkHistory } from '../history/linearizability';
import type { NodeId } from '../core/types';
import type { Command } from '../machine/command';
import type { KvOp, KvResult } from '../machine/kv';

/** A history record that also says which node replied (for readers of `synod sim --history`). */
export type KvHistoryRecord = HistoryRecord & { readonly node?: NodeId };

export function historyOf(op: KvOp): { f: HistoryF; value: Scalar | readonly [Scalar, Scalar] } {
  switch (op.type) {
    case 'get':
      return { f: 'read', value: null };
    case 'put':
      return { f: 'write', value: op.value };
    case 'cas':
      return { f: 'cas', value: [op.expect, op.value] };
    case 'delete':
      return { f: 'delete', value: null };
    default: {
      const never: never = op;
      throw new Error(`synod: unknown operation ${JSON.stringify(never)}`);
    }
  }
}

/** A command that may ask for a read mode (lib/multipaxos/state.ts `ClientRequest`). */
export type KvRequest = Command<KvOp> & { readonly read?: string };

export class KvClientHistory {
  private readonly records: KvHistoryRecord[] = [];
  /**
   * Follower reads: answered from whatever the replica had applied, so they may be stale and
   * promise no linearizability. They are kept apart (`staleReads`) and left out of the
   * history the checker reads, as Jepsen leaves out reads a system documents as stale.
   */
  private readonly staleOnes: KvHistoryRecord[] = [];
  private readonly stalePending = new Map<string, Command<KvOp>>();
  /** Reads answered, by the mode that answered them (log: a get in the log). */
  readonly readsByMode: Record<string, number> = {};
  private readonly pending = new Map<string, { command: Command<KvOp>; process: number }>();
  private readonly processes = new Map<string, number>();
  /** Commands completed by an "ok" reply. */
  acknowledged = 0;

  /** A client hands a command to the cluster. */
  invoke(command: KvRequest): void {
    const process = this.processes.get(command.client) ?? this.processes.size;
    this.processes.set(command.client, process);
    if (command.read === 'follower' && command.op.type === 'get') {
      this.stalePending.set(command.client, command);
      return;
    }
    this.stalePending.delete(command.client);
    const h = historyOf(command.op);
    this.records.push({ process, type: 'invoke', f: h.f, key: command.op.key, value: h.value });
    this.pending.set(command.client, { command, process });
  }

  /** An "ok" reply from `node`; a reply to anything but the client's pending command is ignored. */
  ok(node: NodeId, client: string, seq: number, result: KvResult, mode?: string): void {
    const stale = this.stalePending.get(client);
    if (stale !== undefined && stale.seq === seq) {
      this.stalePending.delete(client);
      this.acknowledged += 1;
      this.readsByMode[mode ?? 'follower'] = (this.readsByMode[mode ?? 'follower'] ?? 0) + 1;
      this.staleOnes.push({ process: this.processes.get(client) ?? -1, type: 'ok', f: 'read', key: stale.op.key, value: result.value, node });
      return;
    }
    const p = this.pending.get(client);
    if (p === undefined || p.command.seq !== seq) return;
    this.pending.delete(client);
    this.acknowledged += 1;
    if (p.command.op.type === 'get') this.readsByMode[mode ?? 'log'] = (this.readsByMode[mode ?? 'log'] ?? 0) + 1;
    const op = p.command.op;
    const h = historyOf(op);
    this.records.push({
      process: p.process,
      type: result.ok ? 'ok' : 'fail',
      f: h.f,
      key: op.key,
      value: op.type === 'get' ? result.value : h.value,
      // What the command saw when it ran: the value it replaced, or (a failed cas) found.
      ...(op.type === 'get' ? {} : { observed: result.value }),
      node,
    });
  }

  /** The follower reads answered (left out of `history`). */
  staleReads(): readonly KvHistoryRecord[] {
    return this.staleOnes;
  }

  /** The history so far, each command still pending closed as `info`. */
  history(): KvHistoryRecord[] {
    const out = [...this.records];
    for (const { command, process } of this.pending.values()) {
      const h = historyOf(command.op);
      out.push({ process, type: 'info', f: h.f, key: command.op.key, value: h.value });
    }
    return out;
  }

  /**
   * The run's client figures for a report: messages per committed command, and whether the
   * history (pending commands as `info`) is linearizable; `ok` is that verdict.
   */
  verdict(committed: number, messages: number): { readonly fields: Record<string, unknown>; readonly ok: boolean; readonly history: KvHistoryRecord[] } {
    const history = this.history();
    const verdict = checkHistory(history);
    const problem = verdict.keys.find((k) => k.linearizable !== true);
    return {
      fields: {
        messagesPerCommand: committed === 0 ? null : Math.round((messages / committed) * 1000) / 1000,
        linearizable: verdict.linearizable,
        ...(problem === undefined || !('reason' in problem) ? {} : { linearizability: problem.reason }),
        history: history.length,
        // Reads by mode appear once a read was answered outside the log (a log-only run's report is as it was).
        ...(Object.keys(this.readsByMode).some((m) => m !== 'log') ? { reads: { ...this.readsByMode }, staleReads: this.staleOnes.length } : {}),
      },
      ok: verdict.linearizable === true,
      history,
    };
  }
}
