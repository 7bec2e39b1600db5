/**
 * The simulator knows nothing of Paxos: here it drives a toy protocol written in this file
 * (a gossiped set of client commands, acknowledged at once) through the same `Subject`
 * interface the Multi-Paxos layer will use, including closed-loop clients that retry until a
 * node acknowledges, and a broken variant whose violation is reported like any other.
 */
import { expect } from 'chai';
import type { Violation } from '../../lib/invariants/voting';
import type { Step } from '../../lib/core/types';
import type { Protocol } from '../../lib/core/protocol';
import { simOptions } from '../../lib/sim/options';
import { replay } from '../../lib/sim/replay';
import { simulate } from '../../lib/sim/simulator';
import type { Subject } from '../../lib/sim/subject';
import type { TraceEvent } from '../../lib/sim/trace';
import { TraceRecorder } from '../../lib/sim/trace';

interface Gossip {
  readonly from: number;
  readonly to: number;
  readonly command: string;
}
interface ToyState {
  readonly id: number;
  readonly seen: readonly string[];
}
type ToyEffect =
  | { readonly type: 'send'; readonly message: Gossip }
  | { readonly type: 'persist'; readonly seen: readonly string[] }
  | { readonly type: 'ack'; readonly command: string };

const NODES = [1, 2, 3];

function learn(s: ToyState, command: string, from: number | null): Step<ToyState, ToyEffect> {
  if (s.seen.includes(command)) return { state: s, effects: [], ignored: 'seen already' };
  const seen = [...s.seen, command];
  const effects: ToyEffect[] = [{ type: 'persist', seen }];
  if (from === null) {
    for (const to of NODES) if (to !== s.id) effects.push({ type: 'send', message: { from: s.id, to, command } });
  }
  return { state: { ...s, seen }, effects };
}

/** `invent`: the broken variant makes up a command on a timeout once it has seen three. */
function toySubject(invent: boolean): Subject<ToyState, Gossip, ToyEffect, readonly string[], string> {
  const protocol: Protocol<ToyState, Gossip, ToyEffect, readonly string[], string> = {
    name: 'toy-gossip',
    nodes: NODES,
    init: (id) => ({ id, seen: [] }),
    recover: (id, durable) => ({ id, seen: durable ?? [] }),
    deliver: (s, m) => learn(s, m.command, m.from),
    timeout: (s) => (invent && s.seen.length >= 3 ? learn(s, 'invented', null) : { state: s, effects: [], ignored: 'nothing to do' }),
    request: (s, c) => {
      const step = learn(s, c, null);
      return { ...step, effects: [...step.effects, { type: 'ack', command: c }] };
    },
    sent: (e) => (e.type === 'send' ? e.message : null),
    persisted: (d, e) => (e.type === 'persist' ? e.seen : d),
  };
  const check = (snap: { nodes: readonly ToyState[]; commands: readonly string[] }): Violation[] => {
    const bad = snap.nodes.find((n) => n.seen.some((c) => !snap.commands.includes(c)));
    return bad === undefined
      ? []
      : [{ invariant: 'Validity', slot: 0, ballots: [], nodes: [bad.id], description: `node ${bad.id} holds a command no client issued` }];
  };
  return {
    protocol,
    targets: NODES,
    command: (client, k) => `t${client}.${k}`,
    check,
    decided: (nodes) => Math.min(...nodes.map((n) => n.seen.length)),
    settled: (nodes, commands) => commands.every((c) => nodes.some((n) => n.seen.includes(c))),
    chosen: (snap) => new Set(snap.nodes.flatMap((n) => n.seen)).size,
    acked: (_node, e) => {
      if (e.type !== 'ack') return null;
      const m = /^t(\d+)\.(\d+)$/.exec(e.command)!;
      return { client: Number(m[1]), k: Number(m[2]) };
    },
    describe: (m) => `n${m.from} -> n${m.to} : gossip ${m.command}`,
  };
}

const faults = (seed: number) =>
  simOptions({ seed, steps: 3000, loss: 0.2, dup: 0.1, crashes: true, partitions: true, clients: 2, commands: 6, think: { min: 1, max: 10 }, retry: { min: 5, max: 15 } });

describe('sim: any protocol through the Subject interface', () => {
  it('drives a protocol it has never seen, with closed-loop clients that retry until acknowledged', () => {
    let retries = 0;
    for (let seed = 1; seed <= 30; seed += 1) {
      const recorder = new TraceRecorder();
      const r = simulate(toySubject(false), faults(seed), recorder);
      expect(r.violations).to.deep.equal([]);
      expect(r.protocol).to.equal('toy-gossip');
      const events = recorder.events;
      retries += events.filter((e) => e.type === 'request' && e.retry).length;
      // Each client issues command k+1 only after command k was acknowledged.
      for (const client of [0, 1]) {
        const issued = events.filter((e): e is Extract<TraceEvent, { type: 'request' }> => e.type === 'request' && e.client === client && !e.retry);
        const acks = events.filter((e): e is Extract<TraceEvent, { type: 'ack' }> => e.type === 'ack' && e.client === client);
        issued.slice(1).forEach((req, i) => {
          const ack = acks.find((a) => a.k === i);
          expect(ack, `client ${client} command ${i} acknowledged before the next`).to.not.equal(undefined);
          expect(events.indexOf(ack!)).to.be.lessThan(events.indexOf(req));
        });
      }
      expect(r.stats.acks).to.be.greaterThan(0);
    }
    expect(retries, 'lost requests were retried').to.be.greaterThan(0);
  });

  it('reports a broken variant of it like any other violation, and replays it', () => {
    const subject = toySubject(true);
    const r = simulate(subject, faults(1));
    expect(r.endedBy).to.equal('violation');
    expect(r.violations[0]!.invariant).to.equal('Validity');
    expect(r.violations[0]!.description).to.match(/no client issued/);
    const again = replay(subject, faults(1), r);
    expect(again.trace[again.trace.length - 1]!.type).to.equal('violation');
  });
});
