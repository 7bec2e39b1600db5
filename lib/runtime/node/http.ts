/**
 * The client API of a node: HTTP/1.1 with JSON and keep-alive (node:http), the contract the
 * `synod client` command, the Jepsen-style test and the benchmarks speak.
 *
 * - `POST /v1/command` `{ client, seq, op }` (op: a key-value or booking operation of
 *   lib/machine/harbor.ts). 200 with the roles' reply: `{ status: "ok", result }`,
 *   `{ status: "redirect", leader, address }` (leader 0 and address null when unknown) or
 *   `{ status: "indeterminate", leader }`; 503 `{ status: "timeout" }` when the node has no
 *   answer by the deadline (the command may or may not take effect; retry with the same
 *   client and seq); 400 `{ error }` for a malformed body, which never reaches the log.
 * - `GET /v1/status`: the node's role, ballot, leader, commit and applied points, last contact,
 *   stage counters and transport counters.
 * - `GET /metrics`: Prometheus text.
 */
import * as http from 'node:http';
import { z } from 'zod';
import type { NodeId } from '../../core/types';
import type { Command } from '../../machine/command';
import type { HarborOp } from '../../machine/harbor';
import type { NodeStatus, Submitted } from './driver';
import type { NodeMetrics } from './metrics';
import type { SnapshotCounts } from './snapshots';

const MAX_BODY_BYTES = 1024 * 1024;

const kvValue = z.union([z.string(), z.number().refine(Number.isFinite, 'a finite number')]);
const key = z.string().max(4096);
const name = z.string().min(1).max(256);

export const harborOpSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('get'), key }),
  z.strictObject({ type: z.literal('put'), key, value: kvValue }),
  z.strictObject({ type: z.literal('delete'), key }),
  z.strictObject({ type: z.literal('cas'), key, expect: kvValue.nullable(), value: kvValue }),
  z.strictObject({ type: z.literal('reserve'), suite: name, booking: name }),
  z.strictObject({ type: z.literal('confirm'), suite: name, booking: name }),
  z.strictObject({ type: z.literal('release'), suite: name, booking: name }),
]);

export const commandSchema = z.strictObject({
  client: name,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  op: harborOpSchema,
});

/** The body of `POST /v1/command` as a command, or the reason it is not one (one line). */
export function parseCommand(body: string): { ok: true; command: Command<HarborOp> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `the body is not JSON: ${(e as Error).message}` };
  }
  const parsed = commandSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, command: parsed.data as Command<HarborOp> };
}

/** The node as the client API needs it: the driver's submit and status. */
export interface ApiNode<R> {
  readonly id: NodeId;
  /** False until the node recovered its log and started its transport. */
  readonly started: boolean;
  submit(command: Command<HarborOp>): Promise<Submitted<R>>;
  status(): NodeStatus;
}

export interface ClientApiOptions<R> {
  readonly node: ApiNode<R>;
  /** Every node's client address (host:port), for redirects. */
  readonly clientAddresses: ReadonlyMap<NodeId, string>;
  readonly metrics?: NodeMetrics;
  /** A Multi-Paxos node's snapshot point and counts (lib/runtime/node/snapshots.ts), for the status document. */
  readonly snapshots?: () => SnapshotCounts;
}

/** The status document of `GET /v1/status`. */
export function statusDocument(status: NodeStatus, clientAddresses: ReadonlyMap<NodeId, string>, snapshots?: SnapshotCounts): object {
  return {
    id: status.id,
    pid: process.pid,
    protocol: status.protocol,
    role: status.role,
    ballot: status.ballot,
    ballotText: status.ballotText,
    leader: status.leader,
    leaderAddress: status.leader === 0 ? null : (clientAddresses.get(status.leader) ?? null),
    commit: status.commit,
    applied: status.applied,
    lastContactMs: status.lastContactMs,
    counters: status.counters,
    // The snapshot point and counts: taken (compaction) and installed (from a peer) are the
    // protocol's, Multi-Paxos only (null under Raft); filesWritten is the driver's file snapshots.
    snapshot: { slot: snapshots?.slot ?? null, taken: snapshots?.taken ?? null, installed: snapshots?.installed ?? null, filesWritten: status.counters.snapshots },
    transport: status.transport,
    stopped: status.stopped,
  };
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function onCommand<R>(options: ClientApiOptions<R>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === null) return send(res, 413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
  const parsed = parseCommand(body);
  if (!parsed.ok) return send(res, 400, { error: parsed.error });
  const answer = await options.node.submit(parsed.command);
  switch (answer.status) {
    case 'timeout':
      return send(res, 503, { status: 'timeout' });
    case 'stopped':
      return send(res, 503, { status: 'timeout', reason: 'the node is stopping' });
    case 'reply': {
      const reply = answer.reply;
      if (reply.status === 'redirect') return send(res, 200, { status: 'redirect', leader: reply.leader, address: reply.leader === 0 ? null : (options.clientAddresses.get(reply.leader) ?? null) });
      return send(res, 200, reply);
    }
  }
}

/** The HTTP server of the client API (not yet listening). */
export function createClientApi<R>(options: ClientApiOptions<R>): http.Server {
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    }
  });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = (req.url ?? '/').split('?')[0];
    const path = `${req.method ?? 'GET'} ${url}`;
    const failed = (e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    };
    switch (path) {
      case 'POST /v1/command':
        onCommand(options, req, res).catch(failed);
        return;
      case 'GET /v1/status':
        // The API listens before recovery ends; until the node has started it has no status to give.
        if (!options.node.started) return send(res, 503, { status: 'starting', error: 'the node is starting (recovering its log)' });
        send(res, 200, statusDocument(options.node.status(), options.clientAddresses, options.snapshots?.()));
        return;
      case 'GET /metrics':
        if (options.metrics === undefined) return send(res, 404, { error: 'this node keeps no metrics' });
        options.metrics
          .text()
          .then((text) => {
            res.writeHead(200, { 'content-type': options.metrics!.contentType });
            res.end(text);
          })
          .catch(failed);
        return;
      default:
        send(res, 404, { error: `no route ${path}; the API is POST /v1/command, GET /v1/status, GET /metrics` });
    }
  };
  server.keepAliveTimeout = 60_000;
  return server;
}

/** A host:port that is already taken, said the way an operator reads it. */
export class AddressInUseError extends Error {
  override readonly name = 'AddressInUseError';
  constructor(readonly address: string) {
    super(`${address} is in use`);
  }
}

/** Splits `host:port` (IPv6 in brackets); throws a one-line error for anything else. */
export function parseAddress(text: string, what = 'address'): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 0 && port <= 65535)) throw new Error(`${what} must be host:port, got '${text}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Listens on host:port; rejects with `AddressInUseError` when it is taken. */
export function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(e.code === 'EADDRINUSE' ? new AddressInUseError(`${host}:${port}`) : e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
