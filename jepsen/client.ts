/**
 * A client of the cluster's HTTP API (POST /v1/command), as the Jepsen-style test and the
 * benchmark use it: it finds the leader by following redirects, and it retries one command with
 * the same (client, seq) until it gets a definite answer or its deadline passes, which the
 * replicas' sessions make safe (a retry is applied once and answered with its first result).
 *
 * What counts as an answer (the API contract): HTTP 200 `ok` (applied: the result), `redirect`
 * (not proposed here: try the leader it names), `indeterminate` (proposed by a deposed leader: may
 * or may not be chosen; retry); HTTP 503 `timeout` (no answer within the node's deadline: may or
 * may not take effect; retry). A request that times out or loses its connection may have
 * reached the node: also "may or may not". A refused connection certainly did not.
 */
import type { NodeId } from '../lib/core/types';
import type { KvOp, KvResult } from '../lib/machine/kv';
import { HttpFailure, type JsonHttp } from './http';

export type Outcome =
  | { readonly kind: 'applied'; readonly node: NodeId; readonly result: KvResult; readonly attempts: number }
  /** No definite answer before the deadline; `maybe` is false only if no attempt can have reached a node. */
  | { readonly kind: 'unknown'; readonly maybe: boolean; readonly attempts: number; readonly last: string };

export interface ClientOptions {
  /** Node id -> client address (host:port). */
  readonly nodes: ReadonlyMap<NodeId, string>;
  /** The deadline of one command, all retries included. */
  readonly opTimeoutMs: number;
  /** The deadline of one HTTP request. */
  readonly requestTimeoutMs: number;
  /** Pause before retrying when no leader is known. */
  readonly backoffMs?: number;
}

/** Reply bodies, as the API contract words them. */
type Answer =
  | { readonly status: 'ok'; readonly result: unknown }
  | { readonly status: 'redirect'; readonly leader: NodeId; readonly address: string | null }
  | { readonly status: 'indeterminate'; readonly leader: NodeId }
  | { readonly status: 'timeout' };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A KvResult from a reply's `result`, or an error that names what came instead. */
export function kvResult(result: unknown): KvResult {
  const r = result as { ok?: unknown; value?: unknown } | null;
  const valueOk = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number';
  if (r === null || typeof r !== 'object' || typeof r.ok !== 'boolean' || !valueOk(r.value)) {
    throw new Error(`client: a reply's result is not a key-value result: ${JSON.stringify(result)}`);
  }
  return { ok: r.ok, value: r.value as KvResult['value'] };
}

export class ClusterClient {
  private readonly ids: readonly NodeId[];
  /** The node this client sends to next: the leader it last heard of. */
  private target: NodeId;

  constructor(private readonly http: JsonHttp, private readonly options: ClientOptions, first?: NodeId) {
    this.ids = [...options.nodes.keys()];
    if (this.ids.length === 0) throw new Error('client: no nodes');
    this.target = first ?? this.ids[0]!;
  }

  private next(leader?: NodeId): void {
    if (leader !== undefined && leader !== 0 && this.options.nodes.has(leader)) {
      this.target = leader;
      return;
    }
    const at = this.ids.indexOf(this.target);
    this.target = this.ids[(at + 1) % this.ids.length]!;
  }

  /** Sends one command until a definite answer or the deadline. */
  async run(client: string, seq: number, op: KvOp): Promise<Outcome> {
    const deadline = performance.now() + this.options.opTimeoutMs;
    const backoff = this.options.backoffMs ?? 50;
    let maybe = false;
    let attempts = 0;
    let last = 'no attempt';
    while (performance.now() < deadline) {
      const node = this.target;
      const remaining = Math.max(1, Math.min(this.options.requestTimeoutMs, deadline - performance.now()));
      attempts += 1;
      let status: number;
      let body: Answer;
      try {
        const answer = await this.http.post(this.options.nodes.get(node)!, '/v1/command', { client, seq, op }, remaining);
        status = answer.status;
        body = answer.body as Answer;
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        maybe ||= error.kind !== 'refused';
        last = `node ${node}: ${error.kind}`;
        this.next();
        await sleep(error.kind === 'refused' ? backoff : 0);
        continue;
      }
      if (status === 400) throw new Error(`client: node ${node} rejected ${JSON.stringify({ client, seq, op })} as malformed: ${JSON.stringify(body)}`);
      if (status === 503 || body?.status === 'timeout') {
        maybe = true;
        last = `node ${node}: timeout`;
        this.next();
        continue;
      }
      if (status !== 200) {
        maybe = true;
        last = `node ${node}: HTTP ${status} ${JSON.stringify(body).slice(0, 120)}`;
        this.next();
        await sleep(backoff);
        continue;
      }
      switch (body.status) {
        case 'ok':
          return { kind: 'applied', node, result: kvResult(body.result), attempts };
        case 'redirect':
          last = `node ${node}: redirect to ${body.leader}`;
          this.next(body.leader === node ? undefined : body.leader);
          if (body.leader === 0 || body.leader === node) await sleep(backoff);
          continue;
        case 'indeterminate':
          maybe = true;
          last = `node ${node}: indeterminate`;
          this.next(body.leader === node ? undefined : body.leader);
          await sleep(backoff);
          continue;
        default:
          throw new Error(`client: node ${node} answered ${JSON.stringify(body)}, which the API does not define`);
      }
    }
    return { kind: 'unknown', maybe, attempts, last };
  }
}
