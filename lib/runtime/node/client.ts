/**
 * A client of a synod cluster over the HTTP API (./http.ts): it follows redirects to the
 * leader, tries the next node when one is unreachable, and retries a timeout or an
 * indeterminate answer with the same (client, seq), which the replicas' sessions apply at most
 * once. What `synod client` uses; the Jepsen-style test and the benchmarks can use it too.
 */
import type { HarborOp, HarborResult } from '../../machine/harbor';

export type ClusterAnswer =
  | { readonly status: 'ok'; readonly result: HarborResult; readonly address: string; readonly attempts: number }
  /** The request itself was refused (HTTP 400): retrying cannot help. */
  | { readonly status: 'rejected'; readonly error: string; readonly address: string; readonly attempts: number }
  /** No ok within the deadline: the command may or may not have taken effect. */
  | { readonly status: 'unknown'; readonly last: string; readonly attempts: number };

export interface ClusterClientOptions {
  /** Client addresses (host:port) of the nodes, in the order to try them. */
  readonly addresses: readonly string[];
  /** Overall deadline of one command, in ms. */
  readonly timeoutMs?: number;
  /** Deadline of one HTTP request, in ms. */
  readonly attemptTimeoutMs?: number;
  /** Pause before retrying after an unreachable node, an unknown leader or a timeout, in ms. */
  readonly backoffMs?: number;
}

interface Wire {
  readonly status?: string;
  readonly result?: HarborResult;
  readonly leader?: number;
  readonly address?: string | null;
  readonly error?: string;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ClusterClient {
  private readonly addresses: readonly string[];
  private readonly timeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly backoffMs: number;
  /** Where the last answer came from: the next command starts there. */
  private preferred: string;

  constructor(options: ClusterClientOptions) {
    if (options.addresses.length === 0) throw new Error('synod: a cluster client needs at least one node address');
    this.addresses = options.addresses;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
    this.backoffMs = options.backoffMs ?? 100;
    this.preferred = options.addresses[0]!;
  }

  private next(after: string): string {
    const i = this.addresses.indexOf(after);
    return this.addresses[(i + 1) % this.addresses.length]!;
  }

  /** Sends one command until a node answers ok (or refuses the request), or the deadline passes. */
  async command(client: string, seq: number, op: HarborOp): Promise<ClusterAnswer> {
    const deadline = Date.now() + this.timeoutMs;
    const body = JSON.stringify({ client, seq, op });
    let target = this.preferred;
    let attempts = 0;
    let last = 'no node tried';
    while (Date.now() < deadline) {
      attempts += 1;
      let code: number;
      let wire: Wire;
      try {
        const res = await fetch(`http://${target}/v1/command`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.attemptTimeoutMs, deadline - Date.now()))),
        });
        code = res.status;
        wire = (await res.json()) as Wire;
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        last = `${target} unreachable (${cause})`;
        target = this.next(target);
        await pause(this.backoffMs);
        continue;
      }
      if (code === 400 || code === 413) return { status: 'rejected', error: wire.error ?? `HTTP ${code}`, address: target, attempts };
      if (code === 200 && wire.status === 'ok') {
        this.preferred = target;
        return { status: 'ok', result: wire.result as HarborResult, address: target, attempts };
      }
      if (code === 200 && wire.status === 'redirect') {
        last = `${target} redirected to node ${wire.leader ?? 0}`;
        if (typeof wire.address === 'string' && wire.address !== target) {
          target = wire.address;
          continue;
        }
        target = this.next(target);
        await pause(this.backoffMs);
        continue;
      }
      // Indeterminate or timeout: the command may be chosen; the same (client, seq) is safe to retry.
      last = code === 503 ? `${target} timed out` : `${target} answered ${wire.status ?? `HTTP ${code}`}`;
      await pause(this.backoffMs);
    }
    return { status: 'unknown', last, attempts };
  }
}
