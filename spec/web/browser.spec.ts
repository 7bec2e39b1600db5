/**
 * The browser view in a real browser: playwright-core drives Debian's chromium (never a
 * downloaded one) on the built page (dist/web, served by `synod web`'s server on a free port).
 * Every request that is not to that server is aborted and counted: the page must work with no
 * network. The nodes' shown state is read from their `data-` attributes and compared with what
 * the scripted cluster (lib/harness) computes, in this process, from the same operations.
 * Screenshots of the main views go to screenshots/ (git-ignored).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { Cluster } from '../../lib/harness/cluster';
import { multiPaxosProtocol } from '../../lib/multipaxos/node';
import type { MultiNodeState } from '../../lib/multipaxos/node';
import { HARBOR_LOG_CONFIG } from '../../lib/demo/multipaxos';
import { story } from '../../lib/web/presets';
import type { Op } from '../../lib/web/session';
import { multiPaxosView } from '../../lib/web/views';
import type { NodeView } from '../../lib/web/views';
import { serveWeb } from '../../lib/cli/web';
import { run } from '../helpers/cli';

/** Debian's chromium; SYNOD_CHROMIUM points elsewhere (or at nothing, to see the skip). */
const CHROMIUM = process.env.SYNOD_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'web');
const SHOTS = path.join(ROOT, 'screenshots');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The node as the scripted cluster computes it after `ops`, performed as the session performs them. */
function expectedNodes(ops: readonly Op[]): NodeView[] {
  const cluster = new Cluster(multiPaxosProtocol(HARBOR_LOG_CONFIG));
  for (const op of ops) {
    switch (op.kind) {
      case 'deliver': {
        const key = JSON.stringify(op.message);
        cluster.deliver((m) => JSON.stringify(m) === key);
        break;
      }
      case 'drop': {
        const key = JSON.stringify(op.message);
        const m = cluster.inFlight.find((x) => JSON.stringify(x) === key);
        cluster.drop((x) => x === m);
        break;
      }
      case 'timeout':
        if (cluster.isUp(op.node)) cluster.timeout(op.node);
        break;
      case 'request':
        if (cluster.isUp(op.node)) cluster.request(op.node, op.command as never);
        break;
      case 'crash':
        if (cluster.isUp(op.node)) cluster.crash(op.node);
        break;
      case 'restart':
        if (!cluster.isUp(op.node)) cluster.restart(op.node);
        break;
      default:
        throw new Error(`the slot-812 story has no ${op.kind} operation`);
    }
  }
  return cluster.protocol.nodes.map((id) => multiPaxosView(cluster.state(id) as MultiNodeState<unknown, unknown, unknown>, cluster.isUp(id)));
}

async function shownNodes(page: Page): Promise<NodeView[]> {
  return page.$$eval('#ring g.node', (gs) =>
    gs.map((g) => {
      const d = (g as unknown as { dataset: Record<string, string | undefined> }).dataset;
      return {
        id: Number(d.node),
        up: d.up === 'true',
        role: d.role ?? '',
        epoch: d.epoch ?? '',
        promised: d.promised ?? '',
        slots: JSON.parse(d.slots ?? '[]') as NodeView['slots'],
        chosen: Number(d.chosen),
        commit: Number(d.commit),
        applied: Number(d.applied),
        proposed: Number(d.proposed),
        quorumAcknowledged: Number(d.quorumAcknowledged),
        committed: Number(d.committed),
        appliedCommands: Number(d.appliedCommands),
      };
    }),
  );
}

async function shownStep(page: Page): Promise<number> {
  return Number(await page.getAttribute('#step', 'data-step'));
}

/** Waits until the element `id` shows step `n` (its data-step; the page's own script sets it). */
async function waitStep(page: Page, id: 'step' | 'side-step', n: number, timeout = 10_000): Promise<void> {
  await page.waitForSelector(`#${id}[data-step="${n}"]`, { state: 'attached', timeout });
}

async function clickTo(page: Page, button: '#forward' | '#back', want: number): Promise<void> {
  await page.click(button);
  await waitStep(page, 'step', want);
}

describe('the browser view (playwright-core driving Debian chromium)', function () {
  this.timeout(90_000);
  let context: BrowserContext | null = null;
  let server: Server | null = null;
  let url = '';
  let dataDir = '';
  const offline: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`      no browser: ${CHROMIUM} is missing, so the browser test is skipped (install it: apt-get install -y chromium)`);
      this.skip();
    }
    if (!fs.existsSync(path.join(DIST, 'main.js'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'web-build.js')], { stdio: 'inherit' });
    ({ server, url } = await serveWeb({ port: 0, host: '127.0.0.1', root: DIST }));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synod-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(dataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(url)) return route.continue();
      offline.push(route.request().url());
      return route.abort();
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function open(fragment: string): Promise<Page> {
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}#${fragment}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(errors, 'page errors').to.deep.equal([]);
    return page;
  }

  it('plays the slot-812 crash story, crashes a node by a click, steps back and forth, and shows what the scripted cluster computes', async () => {
    const script = story('crash-after');
    const page = await open('mode=single&source=story&name=crash-after&step=0');
    // Play the story: it pauses by itself where the script ends.
    await page.fill('#speed', '20');
    await page.click('#play');
    await waitStep(page, 'step', script.ops.length, 30_000);
    expect(await shownNodes(page)).to.deep.equal(expectedNodes([...script.setup, ...script.ops]));
    const end = await shownNodes(page);
    expect(end.every((n) => n.slots.some((s) => s.slot === 812 && s.chosen === '#8841'))).to.equal(true);
    await page.screenshot({ path: path.join(SHOTS, 'single-view.png') });

    // Back to step 2 (harbor-1 has accepted #8841; harbor-2 has not crashed yet), by replays.
    await page.goto(`${url}#mode=single&source=story&name=crash-after&step=2`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await shownStep(page)).to.equal(2);
    expect(await shownNodes(page)).to.deep.equal(expectedNodes([...script.setup, ...script.ops.slice(0, 2)]));
    // Click harbor-1: it crashes instead (step 3), then the story goes on without it.
    await page.click('#ring g.node[data-node="1"]');
    await waitStep(page, 'step', 3);
    const crashed: Op[] = [...script.setup, ...script.ops.slice(0, 2), { kind: 'crash', node: 1 }];
    expect(await shownNodes(page)).to.deep.equal(expectedNodes(crashed));
    expect((await shownNodes(page)).find((n) => n.id === 1)?.up).to.equal(false);
    for (let n = 4; n <= 6; n += 1) await clickTo(page, '#forward', n);
    const six = await shownNodes(page);
    expect(six).to.deep.equal(expectedNodes([...crashed, ...script.ops.slice(2, 5)]));
    await clickTo(page, '#back', 5);
    expect(await shownNodes(page)).to.deep.equal(expectedNodes([...crashed, ...script.ops.slice(2, 4)]));
    await clickTo(page, '#forward', 6);
    expect(await shownNodes(page)).to.deep.equal(six);
    // The URL holds the action: opening it again shows the same state.
    const again = await open(new URL(page.url()).hash.slice(1));
    expect(await shownStep(again)).to.equal(6);
    expect(await shownNodes(again)).to.deep.equal(six);
    await again.close();
    await page.close();
  });

  it('loads a counterexample trace written by synod check and highlights the violated invariant at the step where it breaks', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synod-web-')), 'counterexample.jsonl');
    const r = await run('check', '--mutant', 'leader-acks-before-quorum', '--trace', file);
    expect(r.code).to.equal(1);
    const events = fs.readFileSync(file, 'utf8').trim().split('\n').length - 1;
    const page = await open('mode=single&source=story&name=race&step=0');
    await page.setInputFiles('#trace-file', file);
    await page.waitForSelector('#title:has-text("leader-acks-before-quorum")');
    expect(await page.$$('.violation')).to.have.length(0);
    for (let n = 1; n < events; n += 1) await clickTo(page, '#forward', n);
    expect(await page.$$('.violation')).to.have.length(0);
    await clickTo(page, '#forward', events);
    const shown = await page.$$eval('.violation', (vs) => vs.map((v) => ({ invariant: (v as unknown as { dataset: Record<string, string> }).dataset.invariant, text: v.textContent })));
    expect(shown.map((v) => v.invariant)).to.deep.equal(['AckImpliesChosen']);
    expect(shown[0]!.text).to.contain(`breaks at step ${events}`);
    expect(await page.isVisible('.violation')).to.equal(true);
    await page.screenshot({ path: path.join(SHOTS, 'counterexample.png') });
    await page.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('draws a single-decree zoo preset: each node shows its roles, and the violated invariant is highlighted at the step where it breaks', async () => {
    const name = 'acceptor-accepts-below-promise';
    const events = fs.readFileSync(path.join(ROOT, 'web', 'counterexamples', `${name}.jsonl`), 'utf8').trim().split('\n').length - 1;
    const page = await open(`mode=single&source=zoo&name=${name}&step=${events - 1}`);
    const decrees = await page.$$eval('#ring g.node', (gs) => gs.map((g) => JSON.parse((g as unknown as { dataset: Record<string, string> }).dataset.decree ?? 'null') as { acceptor: unknown; proposer: unknown } | null));
    expect(decrees.map((d) => d !== null && d.proposer !== null)).to.deep.equal([true, true]);
    expect(decrees.map((d) => d !== null && d.acceptor !== null)).to.deep.equal([true, false]);
    expect(await page.$$('.violation')).to.have.length(0);
    await clickTo(page, '#forward', events);
    const shown = await page.$$eval('.violation', (vs) => vs.map((v) => ({ invariant: (v as unknown as { dataset: Record<string, string> }).dataset.invariant, text: v.textContent })));
    expect(shown.map((v) => v.invariant)).to.include('PromiseKept');
    expect(shown[0]!.text).to.contain(`breaks at step ${events}`);
    await page.screenshot({ path: path.join(SHOTS, 'single-decree.png') });
    await page.close();
  });

  it('shows Figure 8 side by side: Multi-Paxos, Raft and the broken Raft step together, with the mapping row between them', async () => {
    const page = await open('mode=side&scenario=figure8&step=0');
    await page.setViewportSize({ width: 1600, height: 1000 });
    expect(await page.$$eval('.pane', (ps) => ps.map((p) => (p as unknown as { dataset: Record<string, string> }).dataset.side))).to.deep.equal(['multipaxos', 'raft', 'raft-figure8-broken']);
    let broken = false;
    for (let i = 0; i < 6 && !broken; i += 1) {
      await page.click('#side-forward');
      await waitStep(page, 'side-step', i + 1);
      broken = (await page.$$('.pane[data-side="raft-figure8-broken"] .violation')).length > 0;
      if (!broken) continue;
      expect(await page.$$('.pane[data-side="multipaxos"] .violation')).to.have.length(0);
      expect(await page.$$('.pane[data-side="raft"] .violation')).to.have.length(0);
    }
    expect(broken, 'the broken Raft breaks an invariant').to.equal(true);
    expect(await page.getAttribute('.mapping', 'data-row')).to.not.equal('');
    expect(await page.$$('.pane[data-side="raft"] g.node')).to.have.length(5);
    await page.screenshot({ path: path.join(SHOTS, 'side-by-side.png') });
    if (process.env.SYNOD_DOCS_SCREENSHOT === '1') await page.screenshot({ path: path.join(ROOT, 'docs', 'web-side-by-side.png') });
    await page.close();
  });

  it('needed nothing from the network', () => {
    expect(offline).to.deep.equal([]);
  });
});
