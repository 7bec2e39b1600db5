/** `synod web`: the static server of the built page (lib/cli/web.ts). */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import type { Server } from 'node:http';
import { serveWeb } from '../../lib/cli/web';
import { run } from '../helpers/cli';

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('synod web (serves the built page)', () => {
  let dir = '';
  let server: Server | null = null;
  let url = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-web-root-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>synod</title>');
    fs.writeFileSync(path.join(dir, 'main.js'), 'console.log(1)');
    fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), 'secret');
    ({ server, url } = await serveWeb({ port: 0, host: '127.0.0.1', root: dir }));
  });

  after(async () => {
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), { force: true });
  });

  it('prints nothing until it listens, then serves the page and its script with their types, on the port it picked', async () => {
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(url);
    expect(page.status).to.equal(200);
    expect(page.type).to.match(/^text\/html/);
    expect(page.body).to.contain('<title>synod</title>');
    const script = await get(`${url}main.js`);
    expect(script.type).to.match(/^text\/javascript/);
  });

  it('answers 404 for a missing file, 403 outside its folder, 405 for anything but GET and HEAD', async () => {
    expect((await get(`${url}nope.js`)).status).to.equal(404);
    expect((await get(`${url}..%2F${path.basename(dir)}-secret.txt`)).status).to.equal(403);
    expect((await get(url, 'POST')).status).to.equal(405);
    expect((await get(url, 'HEAD')).status).to.equal(200);
  });

  it('a port in use, or a bad --port, is a one-line error with exit 2', async () => {
    const port = Number(new URL(url).port);
    let error: unknown = null;
    try {
      await serveWeb({ port, host: '127.0.0.1', root: dir });
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/--port \d+: the port is in use/);
    const r = await run('web', '--port', '70000');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^synod: --port takes a whole number/);
  });
});
