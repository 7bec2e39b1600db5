/**
 * The simulator's fault model, each fault shown on its own: the trace says what happened, and
 * the specs hold the simulator to the rules of DESIGN.md (persists before sends, a crash keeps
 * exactly the durable record) and to its own documentation (partitions cut directed links,
 * faults stop at the heal, ties in a tick are broken by the seed or by send order).
 */
import { expect } from 'chai';
import type { Message } from '../../lib/paxos/messages';
import { simOptions } from '../../lib/sim/options';
import type { SimOptions } from '../../lib/sim/options';
import { singleDecree } from '../../lib/sim/registry';
import type { SimResult } from '../../lib/sim/simulator';
import { simulate } from '../../lib/sim/simulator';
import type { TraceEvent } from '../../lib/sim/trace';
import { formatEvent, TraceRecorder } from '../../lib/sim/trace';
import { allFaults } from '../../lib/sim/profiles';

function traced(options: SimOptions, nodes = 3): { result: SimResult; events: TraceEvent[]; jsonl: string } {
  const recorder = new TraceRecorder();
  const result = simulate(singleDecree.build({ nodes }), options, recorder);
  return { result, events: recorder.events, jsonl: recorder.jsonLines() };
}

const msg = (e: TraceEvent): Message<string> => (e as { message: Message<string> }).message;

describe('sim: determinism and replay', () => {
  it('the same seed gives the same result and the same trace, byte for byte', () => {
    for (const seed of [1, 42, 4_000_000_000]) {
      const a = traced(allFaults(seed), 5);
      const b = traced(allFaults(seed), 5);
      expect(JSON.stringify(b.result)).to.equal(JSON.stringify(a.result));
      expect(b.jsonl).to.equal(a.jsonl);
      // Tracing does not change the run.
      expect(JSON.stringify(simulate(singleDecree.build({ nodes: 5 }), allFaults(seed)))).to.equal(JSON.stringify(a.result));
    }
  });

  it('different seeds give different schedules', () => {
    expect(traced(allFaults(1)).jsonl).to.not.equal(traced(allFaults(2)).jsonl);
  });

  it('the trace is JSON lines, one event each, every event with its step and tick, readable as lines', () => {
    const { events, jsonl } = traced(allFaults(3), 5);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines.length).to.equal(events.length);
    const kinds = new Set<string>();
    let lastStep = 0;
    for (const line of lines) {
      const e = JSON.parse(line) as TraceEvent;
      kinds.add(e.type);
      expect(e.step).to.be.at.least(lastStep);
      lastStep = e.step;
      expect(formatEvent(e, (m) => JSON.stringify(m))).to.match(/^step \d+ t=\d+ /);
    }
    for (const k of ['send', 'deliver', 'drop', 'duplicate', 'persist', 'crash', 'restart', 'partition', 'heal', 'stage', 'request']) {
      expect(kinds.has(k), `trace has ${k} events`).to.equal(true);
    }
  });
});

describe('sim: the fault model', () => {
  it('a crash can fall between a step\'s persist and its sends: the record survives, the sends do not', () => {
    let seen = 0;
    for (let seed = 1; seed <= 40 && seen < 5; seed += 1) {
      const { events } = traced(allFaults(seed), 3);
      events.forEach((e, i) => {
        if (e.type !== 'crash' || !e.afterPersist || e.lostSends === 0) return;
        seen += 1;
        const sameStep = events.filter((x) => x.step === e.step);
        // The persist of that step happened, before the crash...
        const persist = events.slice(0, i).reverse().find((x) => x.step === e.step && x.type === 'persist');
        expect(persist, 'the step persisted').to.not.equal(undefined);
        // ...and nothing the node would have sent in that step left it.
        expect(sameStep.filter((x) => x.type === 'send' && msg(x).from === e.node)).to.deep.equal([]);
      });
    }
    expect(seen).to.be.greaterThan(0);
  });

  it('a restarted node holds exactly its durable record: no acceptor forgets a promise it sent', () => {
    // PromiseKept fails if an acceptor comes back below a ballot it promised or voted in; the
    // real roles persist first, so crash-heavy runs never trip it.
    const subject = singleDecree.build({ nodes: 3 });
    for (let seed = 1; seed <= 200; seed += 1) {
      const r = simulate(subject, allFaults(seed, { crashEvery: 10 }));
      expect(r.violations).to.deep.equal([]);
      expect(r.stats.crashes).to.be.greaterThan(0);
    }
  });

  it('loss 1 loses every message while faults are on, and nothing is chosen', () => {
    const r = simulate(singleDecree.build({ nodes: 3 }), simOptions({ seed: 9, steps: 400, healAt: 400, loss: 1, commands: 5 }));
    expect(r.stats.sent).to.be.greaterThan(0);
    expect(r.stats.delivered).to.equal(0);
    expect(r.stats.dropped).to.equal(r.stats.sent);
    expect(r.chosen).to.equal(0);
    expect(r.healed).to.equal(null);
  });

  it('a one-way partition cuts only its direction', () => {
    const { events } = traced(simOptions({ seed: 5, steps: 600, healAt: 600, schedule: [{ start: 0, end: 100_000, from: [1], to: [2, 3], symmetric: false }] }));
    const dropped = events.filter((e) => e.type === 'drop').map(msg);
    const delivered = events.filter((e) => e.type === 'deliver').map(msg);
    expect(dropped.length).to.be.greaterThan(0);
    expect(dropped.every((m) => m.from === 1 && m.to !== 1)).to.equal(true);
    expect(delivered.some((m) => m.from !== 1 && m.to === 1)).to.equal(true);
    expect(delivered.some((m) => m.from === 1 && m.to !== 1)).to.equal(false);
  });

  it('a symmetric partition cuts both ways, and heals on schedule', () => {
    const { events } = traced(simOptions({ seed: 6, steps: 2000, healAt: 2000, schedule: [{ start: 0, end: 60, from: [1], to: [2, 3], symmetric: true }] }));
    const dropped = events.filter((e) => e.type === 'drop').map(msg);
    expect(dropped.some((m) => m.from === 1)).to.equal(true);
    expect(dropped.some((m) => m.to === 1)).to.equal(true);
    expect(dropped.every((m) => (m.from === 1) !== (m.to === 1))).to.equal(true);
    const healedAt = events.find((e) => e.type === 'heal-partition')!;
    expect(healedAt.tick).to.equal(60);
    expect(events.some((e) => e.type === 'deliver' && e.tick >= 60 && (msg(e).from === 1) !== (msg(e).to === 1))).to.equal(true);
  });

  it('after the heal there is no loss, duplication, partition or crash', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const { events } = traced(allFaults(seed, { loss: 0.3 }));
      const heal = events.findIndex((e) => e.type === 'heal');
      expect(heal).to.be.greaterThan(0);
      const after = events.slice(heal + 1);
      expect(after.filter((e) => e.type === 'drop' && e.reason !== 'down')).to.deep.equal([]);
      expect(after.filter((e) => ['duplicate', 'crash', 'partition'].includes(e.type))).to.deep.equal([]);
    }
  });

  it('duplication delivers copies', () => {
    const r = simulate(singleDecree.build({ nodes: 3 }), simOptions({ seed: 2, steps: 2000, healAt: 2000, dup: 0.5, commands: 5 }));
    expect(r.stats.duplicated).to.be.greaterThan(10);
    expect(r.stats.delivered).to.equal(r.stats.sent + r.stats.duplicated);
  });

  it('without reordering and with one fixed delay, each link is first-in first-out', () => {
    const { events } = traced(simOptions({ seed: 8, steps: 3000, delay: { min: 2, max: 2 }, reorder: false, commands: 5 }));
    const sent = new Map<string, string[]>();
    const got = new Map<string, string[]>();
    for (const e of events) {
      if (e.type !== 'send' && e.type !== 'deliver') continue;
      const m = msg(e);
      const map = e.type === 'send' ? sent : got;
      const link = `${m.from}>${m.to}`;
      map.set(link, [...(map.get(link) ?? []), JSON.stringify(m)]);
    }
    for (const [link, order] of got) expect(order, link).to.deep.equal(sent.get(link)!.slice(0, order.length));
  });

  it('ends early once nothing can happen, and says so', () => {
    const r = simulate(singleDecree.build({ nodes: 3 }), simOptions({ seed: 1, steps: 100_000, commands: 2 }));
    expect(r.endedBy).to.equal('quiescent');
    expect(r.stepsRun).to.be.lessThan(1000);
    expect(r.chosen).to.equal(1);
    expect(r.decided).to.equal(1);
  });
});
