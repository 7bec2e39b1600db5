/**
 * The linearizability checker's benchmark: the stronger check (observed values read, failed
 * cas operations kept: lib/history/linearizability.ts) against the weaker one it replaced
 * (`{ observed: false }`: observed values ignored, failed cas dropped), on the same histories
 * in the same run, as one JSON object.
 *
 *   npx ts-node --transpile-only bench/history.ts          (npm run bench:history)
 *   npx ts-node --transpile-only bench/history.ts --quick  (fewer seeds and repetitions)
 *
 * Workload: the histories of `npm test`'s fault runs (spec/helpers/multipaxos-sim.ts
 * `expectSafeUnderFaults`: Multi-Paxos and Raft, 3 nodes seeds 1-300 and 5 nodes seeds 1-200,
 * 1,200 steps, 4 clients of 100 commands, 5% loss, 5% duplication, partitions, crashes). The
 * `longest` histories are timed one by one (median of the repetitions), then every history
 * once; `explored` is the search's step count (Wing and Gong's loop iterations), which shows
 * whether the search stays linear in the history's length.
 */
import { performance } from 'node:perf_hooks';
import type { HistoryRecord } from '../lib/history/linearizability';
import { checkHistory } from '../lib/history/linearizability';
import { simOptions } from '../lib/sim/options';
import { multiPaxosSubject } from '../lib/sim/multipaxos-subject';
import { raftSubject } from '../lib/sim/raft-subject';
import { simulate } from '../lib/sim/simulator';
import type { AnySubject } from '../lib/sim/subject';

const quick = process.argv.includes('--quick');
const FAULTS = { loss: 0.05, dup: 0.05, partitions: true, crashes: true, reorder: true } as const;
const RUNS: readonly { readonly protocol: string; readonly nodes: number; readonly seeds: number }[] = [
  { protocol: 'multipaxos', nodes: 3, seeds: quick ? 30 : 300 },
  { protocol: 'multipaxos', nodes: 5, seeds: quick ? 20 : 200 },
  { protocol: 'raft', nodes: 3, seeds: quick ? 30 : 300 },
  { protocol: 'raft', nodes: 5, seeds: quick ? 20 : 200 },
];
const LONGEST = quick ? 5 : 10;
const REPETITIONS = quick ? 3 : 7;

interface Sample {
  readonly name: string;
  readonly history: readonly HistoryRecord[];
}

function subjectFor(protocol: string, nodes: number): AnySubject {
  return (protocol === 'raft' ? raftSubject({ nodes }) : multiPaxosSubject({ nodes })) as unknown as AnySubject;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(history: readonly HistoryRecord[], observed: boolean): { ms: number; explored: number; linearizable: boolean | 'unknown' } {
  const reps: number[] = [];
  let explored = 0;
  let linearizable: boolean | 'unknown' = true;
  for (let i = 0; i < REPETITIONS; i += 1) {
    const t = performance.now();
    const v = checkHistory(history, { observed });
    reps.push(performance.now() - t);
    explored = v.keys.reduce((n, k) => n + k.explored, 0);
    linearizable = v.linearizable;
  }
  return { ms: Math.round(median(reps) * 1000) / 1000, explored, linearizable };
}

function main(): void {
  const samples: Sample[] = [];
  const simStart = performance.now();
  for (const r of RUNS) {
    const subject = subjectFor(r.protocol, r.nodes);
    for (let seed = 1; seed <= r.seeds; seed += 1) {
      const result = simulate(subject, simOptions({ seed, steps: 1200, clients: 4, commands: 100, ...FAULTS }));
      const history = (result.report?.history ?? []) as readonly HistoryRecord[];
      samples.push({ name: `${r.protocol} ${r.nodes} nodes seed ${seed}`, history });
    }
  }
  const simulationMs = Math.round(performance.now() - simStart);
  const longest = [...samples].sort((a, b) => b.history.length - a.history.length).slice(0, LONGEST);
  const rows = longest.map((s) => {
    const weak = time(s.history, false);
    const strong = time(s.history, true);
    return {
      history: s.name,
      records: s.history.length,
      failedCas: s.history.filter((h) => h.type === 'fail' && h.f === 'cas').length,
      weakMs: weak.ms,
      strongMs: strong.ms,
      weakExplored: weak.explored,
      strongExplored: strong.explored,
      linearizable: { weak: weak.linearizable, strong: strong.linearizable },
    };
  });
  const all = (observed: boolean): { ms: number; explored: number; linearizable: number } => {
    const t = performance.now();
    let explored = 0;
    let linearizable = 0;
    for (const s of samples) {
      const v = checkHistory(s.history, { observed });
      explored += v.keys.reduce((n, k) => n + k.explored, 0);
      if (v.linearizable === true) linearizable += 1;
    }
    return { ms: Math.round(performance.now() - t), explored, linearizable };
  };
  const weakAll = all(false);
  const strongAll = all(true);
  const records = samples.reduce((n, s) => n + s.history.length, 0);
  console.log(JSON.stringify({
    bench: 'history',
    quick,
    node: process.version,
    workload: { runs: RUNS, steps: 1200, clients: 4, commands: 100, faults: FAULTS, histories: samples.length, records, simulationMs },
    repetitions: REPETITIONS,
    longest: rows,
    all: {
      weak: { ...weakAll, exploredPerRecord: Math.round((weakAll.explored / records) * 1000) / 1000 },
      strong: { ...strongAll, exploredPerRecord: Math.round((strongAll.explored / records) * 1000) / 1000 },
    },
  }, null, 2));
}

main();
