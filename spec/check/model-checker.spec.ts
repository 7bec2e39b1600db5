/**
 * The checker's mechanics on a protocol small enough to count by hand: a sender (node 1) that
 * a client asks once to send a value to a counter (node 2), which counts deliveries up to a
 * bound of 2 and persists nothing. Each expected number below is derived in its comment.
 */
import { expect } from 'chai';
import type { Protocol } from '../../lib/core/protocol';
import type { Model, NetworkModel } from '../../lib/check/model-checker';
import { check, formatTrace } from '../../lib/check/model-checker';
import { canonicalKey } from '../../lib/check/canonical';

interface Toy {
  readonly id: number;
  readonly sent: boolean;
  readonly count: number;
}
interface ToyMessage {
  readonly from: number;
  readonly to: number;
  readonly value: string;
}

const toy: Protocol<Toy, ToyMessage, ToyMessage, never, string> = {
  name: 'toy',
  nodes: [1, 2],
  init: (id) => ({ id, sent: false, count: 0 }),
  recover: (id) => ({ id, sent: false, count: 0 }),
  deliver: (s) => ({ state: { ...s, count: s.count + 1 }, effects: [] }),
  timeout: (s) => ({ state: s, effects: [], ignored: 'a toy has no timer' }),
  request: (s, value) => ({ state: { ...s, sent: true }, effects: [{ from: 1, to: 2, value }] }),
  sent: (e) => e,
  persisted: (d) => d,
};

function model(network: NetworkModel, choices: string[], extra: Partial<Model<Toy, ToyMessage, ToyMessage, never, string>> = {}): Model<Toy, ToyMessage, ToyMessage, never, string> {
  return {
    protocol: toy,
    network,
    requests: [{ node: 1, choices }],
    timeouts: false,
    crashes: 0,
    within: (s) => s.count <= 2,
    always: [],
    sometimes: [{ name: 'counted twice', holds: (snap) => snap.states.some((s) => s.count === 2) }],
    ...extra,
  };
}

describe('model checker: the mechanics, counted by hand', () => {
  it('set network: a message stays deliverable, so the counter reaches its bound', () => {
    // start; asked (message sent); counted 1; counted 2 (a third delivery leaves the bound).
    const r = check(model('set', ['a']));
    expect([r.states, r.transitions, r.depth, r.complete]).to.deep.equal([4, 3, 3, true]);
    expect(r.sometimes['counted twice']?.holds).to.equal(true);
    expect(r.sometimes['counted twice']?.witness?.length).to.equal(3);
  });

  it('multiset network: each copy is delivered once, so the counter stops at 1', () => {
    const r = check(model('multiset', ['a']));
    expect([r.states, r.transitions, r.depth]).to.deep.equal([3, 2, 2]);
    expect(r.sometimes['counted twice']?.holds).to.equal(false);
    expect(r.sometimes['counted twice']?.witness).to.equal(null);
  });

  it('a request slot fires once, with any one of its choices', () => {
    // start, then the three states of the set run once for "a" and once for "b".
    expect(check(model('set', ['a', 'b'])).states).to.equal(7);
  });

  it('crash and restart: the node keeps only what it persisted (here nothing); a crash that loses nothing is skipped', () => {
    // Without crashes: 4 states. Crashing the counter at count 1 or 2 leads to one state
    // (count 0, one crash used), from which it counts to 1 and 2 again: 3 more. Crashing at
    // count 0, or crashing the sender, loses nothing and is skipped.
    const r = check(model('set', ['a'], { crashes: 1, crashable: [2] }));
    expect(r.states).to.equal(7);
    const sender = check(model('set', ['a'], { crashes: 1, crashable: [1] }));
    // The sender forgets it sent (sent: true -> false) once asked: 3 more states.
    expect(sender.states).to.equal(4 + 3);
  });

  it('timeouts that change nothing are transitions back to the same state, not new states', () => {
    const r = check(model('set', ['a'], { timeouts: true }));
    expect(r.states).to.equal(4);
    expect(r.transitions).to.equal(3 + 4 * 2);
  });

  it('a down node receives nothing', () => {
    const r = check(model('set', ['a'], { down: [2] }));
    expect(r.states).to.equal(2);
  });

  it('an always-property that breaks yields the shortest trace, and the run stops', () => {
    const r = check(model('set', ['a', 'b'], {
      always: [{ name: 'never twice', check: (s) => (s.states.some((n) => n.count === 2) ? [{ invariant: 'NeverTwice', description: 'counted twice' }] : []) }],
    }));
    expect(r.complete).to.equal(false);
    expect(r.violations).to.have.length(1);
    const trace = r.violations[0]!.trace;
    expect(trace.map((t) => t.action.type)).to.deep.equal(['request', 'deliver', 'deliver']);
    expect(formatTrace(trace, (m) => `${m.from}->${m.to} ${m.value}`, (c) => c)).to.deep.equal([
      '  1. client asks n1 to propose a',
      '       sends 1->2 a',
      '  2. deliver 1->2 a',
      '  3. deliver 1->2 a',
    ]);
  });

  it('depth-first search visits the same states', () => {
    const bfs = check(model('set', ['a', 'b'], { crashes: 1 }));
    const dfs = check(model('set', ['a', 'b'], { crashes: 1 }), { dfs: true });
    expect(dfs.states).to.equal(bfs.states);
    expect(dfs.transitions).to.equal(bfs.transitions);
  });

  it('memoization changes no count', () => {
    const on = check(model('multiset', ['a', 'b'], { crashes: 1 }));
    const off = check(model('multiset', ['a', 'b'], { crashes: 1 }), { memoize: false });
    expect([off.states, off.transitions, off.depth]).to.deep.equal([on.states, on.transitions, on.depth]);
  });

  it('a state limit stops the search and says it is not exhaustive', () => {
    const r = check(model('set', ['a', 'b']), { maxStates: 3 });
    expect([r.states, r.complete]).to.deep.equal([3, false]);
  });

  it('a directed start plays its actions first and searches from where they lead', () => {
    const r = check(model('set', ['a', 'b']), { prefix: [{ type: 'request', node: 1, command: 'b' }] });
    // The start, the prefix state, then counts 1 and 2 of "b" only: the "a" branch is never taken.
    expect([r.states, r.transitions, r.complete]).to.deep.equal([4, 2, true]);
    expect(r.sometimes['counted twice']?.witness?.map((t) => t.action.type)).to.deep.equal(['request', 'deliver', 'deliver']);
    expect(() => check(model('set', ['a']), { prefix: [{ type: 'deliver', message: { from: 1, to: 2, value: 'a' } }] })).to.throw(/not deliverable/);
    expect(() => check(model('set', ['a']), { prefix: [{ type: 'timeout', node: 1 }] })).to.throw(/has no timer/);
    expect(() => check(model('set', ['a']), { prefix: [{ type: 'request', node: 1, command: 'z' }] })).to.throw(/not enabled/);
  });

  it('a lost message is never delivered', () => {
    const r = check(model('set', ['a'], { lost: () => true }));
    expect(r.states).to.equal(2);
    expect(r.interned.messages).to.equal(1);
  });

  it('canonical keys ignore property order and keep array order', () => {
    expect(canonicalKey({ a: 1, b: [2, 3] })).to.equal(canonicalKey({ b: [2, 3], a: 1 }));
    expect(canonicalKey([2, 3])).not.to.equal(canonicalKey([3, 2]));
    expect(canonicalKey({ a: undefined, b: null })).to.equal('{"b":null}');
    expect(() => canonicalKey({ f: () => 1 })).to.throw(/plain data/);
  });
});
