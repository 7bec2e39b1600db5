/**
 * The page: thin DOM code over the pure session (lib/web/session.ts). Everything shown is a
 * `Frame` the session computed; every control adds a user action or moves the step, and the
 * URL fragment holds the whole state (lib/web/url.ts). Drawing is plain SVG.
 */
import type { Frame, MessageView, ProtocolName, Script, UserAction } from '../lib/web/session';
import { branch, Runner } from '../lib/web/session';
import { freeScript, story, STORIES, STORY_NAMES } from '../lib/web/presets';
import { traceScript } from '../lib/web/traces';
import type { SideBySide } from '../lib/web/side';
import { sideBySide } from '../lib/web/side';
import type { PageState, Source } from '../lib/web/url';
import { formatState, parseState } from '../lib/web/url';
import type { DecreeView, NodeView } from '../lib/web/views';
import { SCENARIOS } from '../lib/demo/scenarios';
import { COUNTEREXAMPLES } from 'virtual:counterexamples';

const SVG = 'http://www.w3.org/2000/svg';
const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`synod web: no element #${id}`);
  return el as T;
};

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

function text(parent: Element, x: number, y: number, content: string, cls = '', anchor = 'middle'): SVGTextElement {
  const t = svg('text', { x, y, 'text-anchor': anchor, class: cls }, parent);
  t.textContent = content;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Single view

// Set by `load` (from the URL, a preset or a file) before anything is drawn.
let source: Source = { kind: 'free', protocol: 'multipaxos', nodes: 3, seed: 1 };
let script: Script = freeScript({ protocol: 'multipaxos', nodes: 3, seed: 1, setting: 'web' });
let actions: UserAction[] = [];
let runner: Runner = new Runner(script, actions);
let frames: Frame[] = [runner.first()];
let step = 0;
let timer: number | null = null;
let mode: 'single' | 'side' = 'single';
let side: SideBySide | null = null;
let sideStep = 0;
let menuFor: MessageView | null = null;

function scriptOf(s: Source): Script {
  switch (s.kind) {
    case 'free':
      return freeScript({ protocol: s.protocol, nodes: s.nodes, seed: s.seed, setting: 'web' });
    case 'story':
      return story(s.name);
    case 'zoo': {
      const t = COUNTEREXAMPLES[s.name];
      if (t === undefined) throw new Error(`no counterexample for a mutant named ${s.name}`);
      return traceScript(t, `bug zoo: ${s.name}`);
    }
    case 'trace':
      return traceScript(s.text, 'loaded trace');
  }
}

/** Replays the session from the start to step n (how the page steps back, and how it opens a URL). */
function rebuild(n: number): void {
  runner = new Runner(script, actions);
  frames = [runner.first()];
  while (frames.length <= n) frames.push(runner.next());
  step = n;
}

function forward(): void {
  if (step + 1 >= frames.length) frames.push(runner.next());
  step += 1;
  const f = frames[step]!;
  // Playing stops where a counterexample breaks, and where a trace or story ends.
  if (timer !== null && (f.violations.length > 0 || (f.by === 'script' && f.scriptLeft === 0))) pause();
}

function back(): void {
  if (step === 0) return;
  rebuild(step - 1);
}

/** A user action without its step: the step on screen is added when it is made. */
type ActionBody = UserAction extends infer A ? (A extends UserAction ? Omit<A, 'at'> : never) : never;

function act(a: ActionBody): void {
  actions = branch(actions, { ...a, at: step } as UserAction);
  rebuild(step + 1);
  render();
}

function load(s: Source, acts: readonly UserAction[] = [], at = 0): void {
  source = s;
  script = scriptOf(s);
  actions = [...acts];
  rebuild(at);
}

function pause(): void {
  if (timer !== null) window.clearInterval(timer);
  timer = null;
  $('play').textContent = 'Play';
}

function play(): void {
  pause();
  const speed = Number($<HTMLInputElement>('speed').value);
  timer = window.setInterval(() => {
    forward();
    render();
  }, 1000 / speed);
  $('play').textContent = 'Pause';
}

function nodePositions(n: number, cx = 380, cy = 310, radius?: number): { x: number; y: number }[] {
  const r = radius ?? (n <= 3 ? 190 : n <= 5 ? 205 : 215);
  return Array.from({ length: n }, (_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
  });
}

function drawNode(parent: Element, v: NodeView, x: number, y: number, scale: number, onClick?: () => void, blamed = false): void {
  // A single-decree node is coloured by its proposer's phase (its role names have spaces).
  const kind = v.decree === undefined ? v.role : `decree ${v.decree.proposer?.phase ?? 'passive'}`;
  const g = svg('g', { class: `node ${kind}${v.up ? '' : ' down'}${blamed ? ' blamed' : ''}`, transform: `translate(${x} ${y}) scale(${scale})` }, parent);
  const data: Record<string, string> = {
    node: String(v.id),
    up: String(v.up),
    role: v.role,
    epoch: v.epoch,
    promised: v.promised,
    chosen: String(v.chosen),
    commit: String(v.commit),
    applied: String(v.applied),
    proposed: String(v.proposed),
    quorumAcknowledged: String(v.quorumAcknowledged),
    committed: String(v.committed),
    appliedCommands: String(v.appliedCommands),
    slots: JSON.stringify(v.slots),
  };
  for (const [k, val] of Object.entries(data)) g.dataset[k] = val;
  if (v.decree !== undefined) {
    g.dataset.decree = JSON.stringify(v.decree);
    svg('circle', { r: 96 }, g);
    drawDecree(g, v, v.decree);
    if (onClick !== undefined) g.addEventListener('click', onClick);
    return;
  }
  const raft = v.quorumAcknowledged < 0;
  svg('circle', { r: 96 }, g);
  text(g, 0, -70, `n${v.id} ${v.up ? v.role : 'DOWN'}`, 'name');
  text(g, 0, -54, raft ? `term ${v.promised}` : `maxBal ${v.promised}${v.role === 'follower' ? '' : ` · ballot ${v.epoch}`}`);
  text(g, 0, -40, raft ? 'log (index: entry @term)' : 'votes (slot: maxVal @maxVBal)', 'legend');
  if (v.slots.length === 0) text(g, 0, -26, '(none)', 'slot');
  v.slots.forEach((s, i) => {
    const vote = s.value === '-' ? 'no vote' : `${s.value} @${s.ballot}`;
    const learned = s.chosen === null ? '' : s.chosen === s.value ? ' ✓' : ` · chose ${s.chosen}`;
    text(g, 0, -26 + i * 13, `${s.slot}: ${vote}${learned}`, `slot${s.chosen === null ? '' : ' chosen'}`);
  });
  text(g, 0, 36, `chosen ${v.chosen === 0 ? 'none' : `0..${v.chosen - 1}`} · commit ${v.commit} · applied ${v.applied}`);
  text(g, 0, 50, `proposed ${v.proposed}${raft ? '' : ` · q-ack'd ${v.quorumAcknowledged}`}`);
  text(g, 0, 63, `committed ${v.committed} · applied ${v.appliedCommands}`);
  if (onClick !== undefined) g.addEventListener('click', onClick);
}

/** A single-decree node: one block per role it plays, in the paper's names. */
function drawDecree(g: Element, v: NodeView, d: DecreeView): void {
  text(g, 0, -70, `n${v.id}${v.up ? '' : ' DOWN'}`, 'name');
  let y = -52;
  const line = (s: string, cls?: string): void => {
    text(g, 0, y, s, cls);
    y += 14;
  };
  if (d.acceptor !== null) {
    line('acceptor', 'legend');
    line(`maxBal ${d.acceptor.maxBal}`);
    line(d.acceptor.maxVal === '-' ? 'no vote' : `vote ${d.acceptor.maxVal} @${d.acceptor.maxVBal}`, 'slot');
  }
  if (d.proposer !== null) {
    line(`proposer: ${d.proposer.phase}`, 'legend');
    line(`ballot ${d.proposer.ballot} · value ${d.proposer.value}`);
  }
  if (d.learner !== null) {
    line('learner', 'legend');
    line(d.learner.chosen === '-' ? 'nothing learned' : `chosen ${d.learner.chosen} @${d.learner.ballot}`, d.learner.chosen === '-' ? 'slot' : 'slot chosen');
  }
}

function drawMessage(parent: Element, m: MessageView, from: { x: number; y: number }, to: { x: number; y: number }, k: number, delivered: boolean): void {
  const g = svg('g', { class: `msg${delivered ? ' delivered' : ''}`, 'data-index': m.index, 'data-type': m.type }, parent);
  // Offset parallel arrows so two messages between the same nodes stay apart.
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const len = Math.hypot(dx, dy) || 1;
  const off = ((k % 5) - 2) * 9;
  const rim = 100;
  const ox = (-dy / len) * off;
  const oy = (dx / len) * off;
  const sx = from.x + (dx / len) * rim + ox;
  const sy = from.y + (dy / len) * rim + oy;
  const ex = to.x - (dx / len) * (rim + 4) + ox;
  const ey = to.y - (dy / len) * (rim + 4) + oy;
  svg('line', { x1: sx, y1: sy, x2: ex, y2: ey, 'marker-end': delivered ? 'url(#head-blue)' : 'url(#head)' }, g);
  const t = 0.35 + (k % 4) * 0.1;
  const lx = sx + (ex - sx) * t;
  const ly = sy + (ey - sy) * t;
  svg('rect', { x: lx - m.label.length * 3, y: ly - 9, width: m.label.length * 6, height: 12, rx: 2 }, g);
  text(g, lx, ly, m.label);
  const title = svg('title', {}, g);
  title.textContent = m.line;
  if (!delivered) g.addEventListener('click', (e) => openMenu(m, e as MouseEvent));
}

function defs(root: SVGSVGElement): void {
  const d = svg('defs', {}, root);
  for (const [id, color] of [['head', '#7a8899'], ['head-blue', '#2d7be0']] as const) {
    const marker = svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, d);
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: color }, marker);
  }
}

function renderSingle(): void {
  const f = frames[step]!;
  const root = $('ring') as unknown as SVGSVGElement;
  root.replaceChildren();
  defs(root);
  const pos = nodePositions(f.nodes.length);
  const at = (id: number): { x: number; y: number } => pos[f.nodes.findIndex((v) => v.id === id)] ?? { x: 0, y: 0 };
  if (f.partition !== null) {
    const p = f.partition;
    text(root, 380, 20, `partition {${p.a.join(',')}} | {${p.b.join(',')}}`, 'broken');
    for (const a of p.a) for (const b of p.b) svg('line', { x1: at(a).x, y1: at(a).y, x2: at(b).x, y2: at(b).y, class: 'partition', opacity: 0.25 }, root);
  }
  const layer = svg('g', { id: 'messages' }, root);
  f.inFlight.forEach((m, k) => drawMessage(layer, m, at(m.from), at(m.to), k, false));
  if (f.delivered !== null) drawMessage(layer, f.delivered, at(f.delivered.from), at(f.delivered.to), 2, true);
  const blamed = new Set(f.violations.flatMap((v) => v.nodes));
  f.nodes.forEach((v, i) => drawNode(root, v, pos[i]!.x, pos[i]!.y, 1, () => act(v.up ? { type: 'crash', node: v.id } : { type: 'restart', node: v.id }), blamed.has(v.id)));
  $('title').textContent = script.title;
  const stepEl = $('step');
  stepEl.textContent = `step ${step}${f.scriptLeft > 0 ? ` (script: ${f.scriptLeft} left)` : ''}`;
  stepEl.dataset.step = String(step);
  $('what').textContent = f.what;
  $('caption').textContent = f.caption ?? '';
  const vio = $('violations');
  vio.replaceChildren();
  for (const v of f.violations) {
    const d = document.createElement('div');
    d.className = 'violation';
    d.dataset.invariant = v.invariant;
    d.textContent = `VIOLATION ${v.invariant} (breaks at step ${step}): ${v.description}`;
    vio.appendChild(d);
  }
  if (f.violations.length === 0 && f.broken.length > 0) {
    const d = document.createElement('div');
    d.className = 'broken';
    d.textContent = `broken earlier: ${f.broken.join(', ')}`;
    vio.appendChild(d);
  }
  const list = $('inflight');
  list.replaceChildren();
  for (const m of f.inFlight) {
    const li = document.createElement('li');
    li.dataset.index = String(m.index);
    li.textContent = `n${m.from} -> n${m.to} : ${m.label}`;
    li.title = m.line;
    li.addEventListener('click', (e) => openMenu(m, e));
    list.appendChild(li);
  }
  if (f.moreInFlight > 0) list.appendChild(Object.assign(document.createElement('li'), { textContent: `... and ${f.moreInFlight} more` }));
  $<HTMLButtonElement>('back').disabled = step === 0;
}

function openMenu(m: MessageView, e: MouseEvent): void {
  menuFor = m;
  const menu = $('menu');
  $('menu-label').textContent = `n${m.from} -> n${m.to} : ${m.label} `;
  menu.style.left = `${e.clientX}px`;
  menu.style.top = `${e.clientY}px`;
  menu.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Side by side

function renderSide(): void {
  if (side === null) return;
  const s = side.steps[sideStep]!;
  $('side-label').textContent = `step ${sideStep + 1} of ${side.steps.length}: ${s.label}`;
  const stepEl = $('side-step');
  stepEl.textContent = `step ${sideStep + 1} / ${side.steps.length}`;
  stepEl.dataset.step = String(sideStep);
  const panes = $('panes');
  panes.replaceChildren();
  s.panes.forEach((p, i) => {
    if (i === 1) {
      const m = document.createElement('div');
      m.className = 'mapping';
      m.dataset.row = s.row;
      m.innerHTML = '';
      const h = document.createElement('h3');
      h.textContent = `mapping: ${s.row}`;
      m.appendChild(h);
      if (s.mapping !== null) {
        for (const [k, v] of [['both', s.mapping.neutral], ['Paxos', s.mapping.paxos], ['Raft', s.mapping.raft]] as const) {
          const para = document.createElement('p');
          para.innerHTML = `<b>${k}:</b> `;
          para.appendChild(document.createTextNode(v));
          m.appendChild(para);
        }
      }
      panes.appendChild(m);
    }
    const div = document.createElement('div');
    div.className = 'pane';
    div.dataset.side = p.side;
    const h = document.createElement('h3');
    h.textContent = p.side;
    div.appendChild(h);
    const label = document.createElement('p');
    label.className = 'label';
    label.textContent = p.label;
    div.appendChild(label);
    const root = svg('svg', { viewBox: '0 0 560 540' }, div);
    const pos = nodePositions(p.nodes.length, 280, 275, p.nodes.length > 3 ? 170 : 140);
    const blamed = new Set(p.violations.flatMap((v) => v.nodes));
    p.nodes.forEach((v, k) => drawNode(root, v, pos[k]!.x, pos[k]!.y, p.nodes.length > 3 ? 0.92 : 1.1, undefined, blamed.has(v.id)));
    const c = document.createElement('p');
    c.textContent = `committed: ${p.committed.join(' ') || '(nothing)'}`;
    div.appendChild(c);
    for (const v of p.violations) {
      const d = document.createElement('div');
      d.className = 'violation';
      d.dataset.invariant = v.invariant;
      d.textContent = `VIOLATION ${v.invariant}: ${v.description}`;
      div.appendChild(d);
    }
    const msgs = document.createElement('div');
    msgs.className = 'messages';
    msgs.textContent = p.messages.slice(0, 30).join('\n') + (p.messages.length > 30 ? `\n... (+${p.messages.length - 30})` : '');
    div.appendChild(msgs);
    panes.appendChild(div);
  });
  $('side-verdicts').textContent = side.verdicts.map((v) => `${v.side}: ${v.safe ? 'SAFE' : 'UNSAFE'} (expected ${v.expectedSafe ? 'safe' : 'unsafe'})${v.ok ? '' : ' FAIL'}`).join('   ');
}

// ---------------------------------------------------------------------------------------------
// State, URL, controls

function pageState(): PageState {
  return mode === 'side' ? { mode: 'side', scenario: side?.scenario ?? 'slot812', step: sideStep } : { mode: 'single', source, actions, step };
}

function render(): void {
  $('single').hidden = mode !== 'single';
  $('side').hidden = mode !== 'side';
  $('mode-single').classList.toggle('on', mode === 'single');
  $('mode-side').classList.toggle('on', mode === 'side');
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('.free'))) el.hidden = source.kind !== 'free';
  if (mode === 'single') renderSingle();
  else renderSide();
  history.replaceState(null, '', `#${formatState(pageState())}`);
  document.body.dataset.ready = 'true';
}

function showError(e: unknown): void {
  const el = $('error');
  el.hidden = false;
  el.textContent = `synod: ${e instanceof Error ? e.message : String(e)}`;
}

function guarded(f: () => void): () => void {
  return () => {
    try {
      $('error').hidden = true;
      f();
    } catch (e) {
      pause();
      showError(e);
    }
  };
}

function presetValue(s: Source): string {
  return s.kind === 'free' ? `free:${s.protocol}` : s.kind === 'trace' ? 'trace' : `${s.kind}:${s.name}`;
}

/** The protocol a zoo counterexample is of, from its trace's header line. */
function zooProtocol(name: string): string {
  const header = JSON.parse(COUNTEREXAMPLES[name]!.split('\n', 1)[0]!) as { protocol?: unknown };
  return String(header.protocol);
}

function fillSelects(): void {
  const preset = $<HTMLSelectElement>('preset');
  const group = (label: string, items: [string, string][]): void => {
    const g = document.createElement('optgroup');
    g.label = label;
    for (const [value, name] of items) g.appendChild(new Option(name, value));
    preset.appendChild(g);
  };
  group('Harbor Point (Multi-Paxos)', STORY_NAMES.filter((n) => STORIES[n].protocol === 'multipaxos').map((n) => [`story:${n}`, STORIES[n].title]));
  group('Harbor Point (single-decree Paxos)', STORY_NAMES.filter((n) => STORIES[n].protocol === 'single-decree').map((n) => [`story:${n}`, STORIES[n].title]));
  group('The Raft paper', [['side:figure8', 'Figure 8 (side by side with Multi-Paxos and the broken Raft)']]);
  group('Free play', [['free:multipaxos', 'Multi-Paxos cluster'], ['free:raft', 'Raft cluster'], ['free:single-decree', 'single-decree Paxos cluster']]);
  group('Bug zoo: counterexamples of synod check', Object.keys(COUNTEREXAMPLES).sort().map((n) => [`zoo:${n}`, `${n} (${zooProtocol(n)})`]));
  preset.appendChild(new Option('(a loaded trace)', 'trace'));
  const scenario = $<HTMLSelectElement>('scenario');
  for (const s of SCENARIOS) scenario.appendChild(new Option(s === 'figure8' ? 'figure8 (Raft paper, Figure 8)' : s, s));
}

function freeSource(protocol: ProtocolName): Source {
  const nodes = Math.min(7, Math.max(3, Math.round(Number($<HTMLInputElement>('nodes').value) || 5)));
  const seed = Math.max(0, Math.round(Number($<HTMLInputElement>('seed').value) || 0));
  return { kind: 'free', protocol, nodes, seed };
}

function openSide(scenario: string, at = 0): void {
  mode = 'side';
  side = sideBySide(scenario as SideBySide['scenario']);
  sideStep = Math.min(at, side.steps.length - 1);
  $<HTMLSelectElement>('scenario').value = scenario;
}

function applyState(state: PageState): void {
  pause();
  if (state.mode === 'side') {
    openSide(state.scenario, state.step);
    return;
  }
  mode = 'single';
  load(state.source, state.actions, state.step);
  $<HTMLSelectElement>('preset').value = presetValue(state.source);
  if (state.source.kind === 'free') {
    $<HTMLSelectElement>('protocol').value = state.source.protocol;
    $<HTMLInputElement>('nodes').value = String(state.source.nodes);
    $<HTMLInputElement>('seed').value = String(state.source.seed);
  }
}

function wire(): void {
  const on = (id: string, event: string, f: () => void): void => $(id).addEventListener(event, guarded(f));
  on('forward', 'click', () => {
    forward();
    render();
  });
  on('back', 'click', () => {
    pause();
    back();
    render();
  });
  on('play', 'click', () => (timer === null ? play() : pause()));
  on('speed', 'input', () => {
    if (timer !== null) play();
  });
  on('preset', 'change', () => {
    const v = $<HTMLSelectElement>('preset').value;
    if (v === 'trace') return;
    const [kind, name] = v.split(':') as [string, string];
    pause();
    if (kind === 'side') {
      $<HTMLSelectElement>('preset').value = presetValue(source);
      openSide(name);
      render();
      return;
    }
    load(kind === 'free' ? freeSource(name as ProtocolName) : ({ kind, name } as Source));
    render();
  });
  for (const id of ['protocol', 'nodes', 'seed']) {
    on(id, 'change', () => {
      pause();
      load(freeSource($<HTMLSelectElement>('protocol').value as ProtocolName));
      $<HTMLSelectElement>('preset').value = presetValue(source);
      render();
    });
  }
  $('trace-file').addEventListener('change', () => {
    const file = $<HTMLInputElement>('trace-file').files?.[0];
    if (file === undefined) return;
    void file.text().then((t: string) =>
      guarded(() => {
        pause();
        load({ kind: 'trace', text: t });
        $<HTMLSelectElement>('preset').value = 'trace';
        render();
      })(),
    );
  });
  const groups = (id: string): number[] => $<HTMLInputElement>(id).value.split(/[\s,]+/).filter((x) => x !== '').map(Number);
  on('partition', 'click', () => {
    const a = groups('group-a');
    const b = groups('group-b');
    if (a.length === 0 || b.length === 0 || [...a, ...b].some((x) => !Number.isInteger(x) || x < 1)) throw new Error('a partition needs two groups of node numbers, such as 1,2 and 3');
    act({ type: 'partition', a, b });
  });
  on('heal', 'click', () => act({ type: 'heal' }));
  on('request', 'click', () => {
    const node = Number($<HTMLInputElement>('req-node').value);
    const value = $<HTMLInputElement>('req-value').value.trim();
    if (!frames[step]!.nodes.some((v) => v.id === node)) throw new Error(`there is no node ${node}`);
    if (value === '') throw new Error('a client command needs a value');
    act({ type: 'request', node, value });
  });
  on('menu-drop', 'click', () => {
    $('menu').hidden = true;
    if (menuFor !== null) act({ type: 'drop', index: menuFor.index });
  });
  on('menu-dup', 'click', () => {
    $('menu').hidden = true;
    if (menuFor !== null) act({ type: 'duplicate', index: menuFor.index });
  });
  on('menu-close', 'click', () => {
    $('menu').hidden = true;
  });
  on('share', 'click', () => void navigator.clipboard?.writeText(location.href));
  on('side-share', 'click', () => void navigator.clipboard?.writeText(location.href));
  on('mode-single', 'click', () => {
    mode = 'single';
    render();
  });
  on('mode-side', 'click', () => {
    pause();
    openSide(side?.scenario ?? 'slot812', sideStep);
    render();
  });
  on('scenario', 'change', () => {
    openSide($<HTMLSelectElement>('scenario').value);
    render();
  });
  on('side-forward', 'click', () => {
    if (side !== null && sideStep + 1 < side.steps.length) sideStep += 1;
    render();
  });
  on('side-back', 'click', () => {
    if (sideStep > 0) sideStep -= 1;
    render();
  });
}

function start(): void {
  fillSelects();
  wire();
  try {
    applyState(parseState(location.hash));
  } catch (e) {
    showError(e);
    applyState(parseState(''));
  }
  render();
}

start();
