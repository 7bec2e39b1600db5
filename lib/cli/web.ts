/**
 * `synod web [--port N] [--host H]`: serves the browser view (built by `npm run build` into
 * dist/web) from this machine and prints its URL. A static file server on node:http, no
 * dependency: the page needs nothing from the network (the protocol code is in its bundle).
 * It runs until interrupted (Ctrl-C).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { UsageError, integer } from './args';
import type { CliContext } from './context';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
};

/** Where the built page is: dist/web beside the compiled CLI (dist/cli), or from the sources, the repository's dist/web. */
export function webRoot(): string {
  const candidates = [path.join(__dirname, '..', 'web'), path.join(__dirname, '..', '..', 'dist', 'web')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')) && fs.existsSync(path.join(dir, 'main.js')));
  if (found === undefined) throw new UsageError('the page is not built (no dist/web/index.html): run `npm run build` first');
  return found;
}

/** Answers GET and HEAD for the files under `root`, and nothing outside it. */
export function staticHandler(root: string): http.RequestListener {
  const base = path.resolve(root);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = path.resolve(base, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.readFile(file, (error, body) => {
      if (error !== null) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  };
}

/** Starts the server; resolves with it and its URL once it listens. Port 0 picks a free port. */
export function serveWeb(options: { port: number; host: string; root?: string }): Promise<{ server: http.Server; url: string }> {
  const root = options.root ?? webRoot();
  const server = http.createServer(staticHandler(root));
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new UsageError(`--port ${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)));
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({ server, url: `http://${host}:${port}/` });
    });
  });
}

export function registerWeb(cli: Command, context: CliContext): void {
  cli
    .command('web')
    .description('serve the browser view (the real roles, step by step; Paxos and Raft side by side) and print its URL')
    .option('--port <n>', 'the port to listen on (0: any free port)', '8812')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      const port = integer('--port', options.port, 0, 65535);
      const { server, url } = await serveWeb({ port, host: options.host });
      context.io.out(`synod web: serving ${webRoot()} at ${url}\n(Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
