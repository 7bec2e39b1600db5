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

export class KvClientHistory {
  private readonly records: KvHistoryRecord[] = [];
  private readonly pending = new Map<string, { command: Command<KvOp>; process: number }>();
  private readonly processes = new Map<string, number>();
  /** Commands completed by an "ok" reply. */
  acknowledged = 0;

  /** A client hands a command to the cluster. */
  invoke(command: Command<KvOp>): void {
    const process = this.processes.get(command.client) ?? this.processes.size;
    this.processes.set(command.client, process);
    const h = historyOf(command.op);
    this.records.push({ process, type: 'invoke', f: h.f, key: command.op.key, value: h.value });
    this.pending.set(command.client, { command, process });
  }

  /** An "ok" reply from `node`; a reply to anything but the client's pending command is ignored. */
  ok(node: NodeId, client: string, seq: number, result: KvResult): void {
    const p = this.pending.get(client);
    if (p === undefined || p.command.seq !== seq) return;
    this.pending.delete(client);
    this.acknowledged += 1;
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
      },
      ok: verdict.linearizable === true,
      history,
    };
  }
}
