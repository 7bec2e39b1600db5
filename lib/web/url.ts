/**
 * The page's state as a URL fragment, so that every state can be shared: the source (a free
 * cluster with its protocol, node count and seed; a story; a zoo counterexample; a loaded
 * trace file, carried whole), the user's actions and the step on screen; or a side-by-side
 * scenario and its step. `parseState` rejects a malformed fragment with a one-line reason.
 */
import type { ScenarioName } from '../demo/scenarios';
import { SCENARIOS } from '../demo/scenarios';
import type { ProtocolName, UserAction } from './session';
import { MAX_NODES, MIN_NODES } from './session';
import type { StoryName } from './presets';
import { STORY_NAMES } from './presets';

export type Source =
  | { readonly kind: 'free'; readonly protocol: ProtocolName; readonly nodes: number; readonly seed: number }
  | { readonly kind: 'story'; readonly name: StoryName }
  | { readonly kind: 'zoo'; readonly name: string }
  | { readonly kind: 'trace'; readonly text: string };

export type PageState =
  | { readonly mode: 'single'; readonly source: Source; readonly actions: readonly UserAction[]; readonly step: number }
  | { readonly mode: 'side'; readonly scenario: ScenarioName; readonly step: number };

export const DEFAULT_STATE: PageState = { mode: 'single', source: { kind: 'story', name: 'crash-after' }, actions: [], step: 0 };

function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64(b64: string): string {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

/** The fragment (without '#') for a state. */
export function formatState(state: PageState): string {
  const p = new URLSearchParams();
  p.set('mode', state.mode);
  if (state.mode === 'side') {
    p.set('scenario', state.scenario);
  } else {
    const s = state.source;
    p.set('source', s.kind);
    if (s.kind === 'free') {
      p.set('protocol', s.protocol);
      p.set('nodes', String(s.nodes));
      p.set('seed', String(s.seed));
    } else if (s.kind === 'trace') p.set('trace', toBase64(s.text));
    else p.set('name', s.name);
    if (state.actions.length > 0) p.set('actions', JSON.stringify(state.actions));
  }
  p.set('step', String(state.step));
  return p.toString();
}

function whole(p: URLSearchParams, key: string, min: number, max: number): number {
  const raw = p.get(key);
  const n = Number(raw);
  if (raw === null || !Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function action(v: unknown, i: number): UserAction {
  const a = v as Record<string, unknown>;
  const bad = (why: string): Error => new Error(`action ${i + 1} ${why}: ${JSON.stringify(v)}`);
  if (typeof a !== 'object' || a === null) throw bad('is not an object');
  if (!Number.isInteger(a.at) || (a.at as number) < 0) throw bad('needs a step "at"');
  const at = a.at as number;
  const nodeOf = (): number => {
    if (!Number.isInteger(a.node) || (a.node as number) < 1) throw bad('needs a node');
    return a.node as number;
  };
  const group = (g: unknown): number[] => {
    if (!Array.isArray(g) || g.length === 0 || !g.every((x) => Number.isInteger(x) && x >= 1)) throw bad('needs two groups of nodes');
    return g as number[];
  };
  switch (a.type) {
    case 'crash':
    case 'restart':
      return { at, type: a.type, node: nodeOf() };
    case 'drop':
    case 'duplicate':
      if (!Number.isInteger(a.index) || (a.index as number) < 0) throw bad('needs a message index');
      return { at, type: a.type, index: a.index as number };
    case 'partition':
      return { at, type: 'partition', a: group(a.a), b: group(a.b) };
    case 'heal':
      return { at, type: 'heal' };
    case 'request':
      if (typeof a.value !== 'string' || a.value === '') throw bad('needs a value');
      return { at, type: 'request', node: nodeOf(), value: a.value };
    default:
      throw bad('has an unknown type');
  }
}

/** The state a fragment (with or without '#') describes; throws an Error with a one-line reason. */
export function parseState(fragment: string): PageState {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text === '') return DEFAULT_STATE;
  const p = new URLSearchParams(text);
  const step = p.has('step') ? whole(p, 'step', 0, 1_000_000) : 0;
  const mode = p.get('mode') ?? 'single';
  if (mode === 'side') {
    const scenario = p.get('scenario') as ScenarioName;
    if (!SCENARIOS.includes(scenario)) throw new Error(`scenario must be one of ${SCENARIOS.join(', ')}, got ${JSON.stringify(scenario)}`);
    return { mode, scenario, step };
  }
  if (mode !== 'single') throw new Error(`mode must be single or side, got ${JSON.stringify(mode)}`);
  let actions: UserAction[] = [];
  const rawActions = p.get('actions');
  if (rawActions !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawActions);
    } catch {
      throw new Error('actions is not JSON');
    }
    if (!Array.isArray(parsed)) throw new Error('actions must be a list');
    actions = parsed.map(action);
  }
  const kind = p.get('source');
  let source: Source;
  switch (kind) {
    case 'free': {
      const protocol = p.get('protocol');
      if (protocol !== 'multipaxos' && protocol !== 'raft' && protocol !== 'single-decree') throw new Error(`protocol must be multipaxos, raft or single-decree, got ${JSON.stringify(protocol)}`);
      source = { kind, protocol, nodes: whole(p, 'nodes', MIN_NODES, MAX_NODES), seed: whole(p, 'seed', 0, 0xffff_ffff) };
      break;
    }
    case 'story': {
      const name = p.get('name') as StoryName;
      if (!STORY_NAMES.includes(name)) throw new Error(`story must be one of ${STORY_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
      source = { kind, name };
      break;
    }
    case 'zoo': {
      const name = p.get('name');
      if (name === null || name === '') throw new Error('a zoo source needs a name');
      source = { kind, name };
      break;
    }
    case 'trace': {
      const b64 = p.get('trace');
      if (b64 === null) throw new Error('a trace source needs the trace');
      try {
        source = { kind, text: fromBase64(b64) };
      } catch {
        throw new Error('the trace is not valid base64');
      }
      break;
    }
    default:
      throw new Error(`source must be free, story, zoo or trace, got ${JSON.stringify(kind)}`);
  }
  return { mode: 'single', source, actions, step };
}
