/**
 * The one HTTP client path of the Jepsen-style test and of both cluster benchmarks: JSON over
 * HTTP/1.1 with a keep-alive agent (node:http), a deadline per request, and errors that say
 * whether the request may have reached the server. The benchmarks send synod's puts and etcd's
 * puts through this same code, so the comparison measures the servers, not two clients.
 */
import * as http from 'node:http';

export interface JsonAnswer {
  readonly status: number;
  /** The body parsed as JSON (`{ unparsed }` if it is not JSON). */
  readonly body: unknown;
  readonly text: string;
}

/**
 * Why a request has no answer. `refused`: the connection was never made (the server certainly
 * did not get the request); `timeout` and `network`: it was sent, or may have been, so the
 * operation may or may not have happened.
 */
export class HttpFailure extends Error {
  constructor(readonly kind: 'refused' | 'timeout' | 'network', message: string) {
    super(message);
  }
}

export class JsonHttp {
  private readonly agent: http.Agent;

  constructor(options: { readonly maxSockets?: number } = {}) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? Infinity, scheduling: 'lifo' });
  }

  post(address: string, path: string, body: unknown, timeoutMs: number): Promise<JsonAnswer> {
    return this.request('POST', address, path, JSON.stringify(body), timeoutMs);
  }

  get(address: string, path: string, timeoutMs: number): Promise<JsonAnswer> {
    return this.request('GET', address, path, undefined, timeoutMs);
  }

  private request(method: string, address: string, path: string, payload: string | undefined, timeoutMs: number): Promise<JsonAnswer> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: HttpFailure | null, answer?: JsonAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== null) reject(error);
        else resolve(answer!);
      };
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = http.request({ host, port, path, method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish(new HttpFailure('network', `${address}${path}: ${error.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text.length === 0 ? null : JSON.parse(text);
          } catch {
            parsed = { unparsed: text.slice(0, 200) };
          }
          finish(null, { status: res.statusCode ?? 0, body: parsed, text });
        });
      });
      const timer = setTimeout(() => {
        finish(new HttpFailure('timeout', `${address}${path}: no answer within ${timeoutMs} ms`));
        req.destroy();
      }, timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        const refused = error.code === 'ECONNREFUSED';
        finish(new HttpFailure(refused ? 'refused' : 'network', `${address}${path}: ${error.code ?? error.message}`));
      });
      req.end(payload);
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
