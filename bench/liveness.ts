/**
 * Liveness, side by side: Multi-Paxos (lib/multipaxos) and Raft (lib/raft) on the same
 * simulator, the same clients, the same faults and the same seeds; one JSON object.
 *
 *   npx ts-node --transpile-only bench/liveness.ts [--seeds 200] [--markdown]   (npm run bench:liveness)
 *
 * For 3 and 5 servers, over seeds 1..N, three distributions (median, 90th percentile, max):
 * - ticks to elect: from a cold start with no faults, the tick at which a leader first exists
 *   (Multi-Paxos: a phase-1 quorum promised its ballot; Raft: a majority voted);
 * - ticks to commit after the heal: under every fault (5% loss, 5% duplication, partitions,
 *   crashes, reordering) until half the run, then none: the ticks from the heal until every
 *   command any client issued is committed and applied somewhere (the simulator's
 *   `ticksToChosenAfterHeal`); a run that never gets there is counted in `unsettled`;
 * - messages per command: every message sent in the faulty run over the commands committed.
 * Logical ticks throughout; both protocols use heartbeat 1 and an election timeout drawn in
 * [3, 5] ticks, the same clients (4, closed loop, retrying every 20-60 ticks) and commands.
 */
import type { Addressed } from '../lib/core/protocol';
import { multiPaxosSubject } from '../lib/sim/multipaxos-subject';
import { raftSubject } from '../lib/sim/raft-subject';
import { simOptions } from '../lib/sim/options';
import { simulate } from '../lib/sim/simulator';
import type { Subject } from '../lib/sim/subject';
import type { TraceSink } from '../lib/sim/trace';

const FAULTS = { loss: 0.05, dup: 0.05, partitions: true, crashes: true, reorder: true } as const;

export interface Distribution {
  readonly runs: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number | null => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  const mean = sorted.length === 0 ? null : Math.round((sorted.reduce((a, b) => a + b, 0) / sorted.length) * 10) / 10;
  return { runs: sorted.length, p50: at(0.5), p90: at(0.9), max: sorted.length === 0 ? null : sorted[sorted.length - 1]!, mean };
}

/** The tick at which some server first leads, from a cold start with no faults; null if none within the run. */
function ticksToElect<S, M extends Addressed, E, D, C>(subject: Subject<S, M, E, D, C>, leads: (s: S) => boolean, seed: number): number | null {
  let elected: number | null = null;
  let leading = false;
  // The step that makes a leader is followed by its own trace event (a delivery): its tick.
  const sink: TraceSink = {
    record: (e) => {
      if (leading && elected === null) elected = (e as { tick?: number }).tick ?? null;
    },
  };
  const watch = <T extends { readonly state: S }>(step: T): T => {
    if (leads(step.state)) leading = true;
    return step;
  };
  const base = subject.protocol;
  const watched: Subject<S, M, E, D, C> = {
    ...subject,
    protocol: { ...base, deliver: (s, m) => watch(base.deliver(s, m)), timeout: (s) => watch(base.timeout(s)) },
  };
  simulate(watched, simOptions({ seed, steps: 400, clients: 4, commands: 100, healAt: 0 }), sink);
  return elected;
}

export interface ProtocolLiveness {
  readonly protocol: string;
  readonly nodes: number;
  readonly ticksToElect: Distribution;
  readonly ticksToCommitAfterHeal: Distribution;
  readonly messagesPerCommand: Distribution;
  /** Faulty runs in which some command was still uncommitted when the run ended. */
  readonly unsettled: number;
  /** Faulty runs that broke an invariant or gave a non-linearizable history (must be 0). */
  readonly failed: number;
}

function measure<S, M extends Addressed, E, D, C>(protocol: string, nodes: number, subject: Subject<S, M, E, D, C>, leads: (s: S) => boolean, seeds: number): ProtocolLiveness {
  const elect: number[] = [];
  const commit: number[] = [];
  const perCommand: number[] = [];
  let unsettled = 0;
  let failed = 0;
  for (let seed = 1; seed <= seeds; seed += 1) {
    const t = ticksToElect(subject, leads, seed);
    if (t !== null) elect.push(t);
    const r = simulate(subject, simOptions({ seed, steps: 1200, clients: 4, commands: 100, ...FAULTS }));
    if (r.violations.length > 0 || r.report?.ok !== true) failed += 1;
    if (r.ticksToChosenAfterHeal === null) unsettled += 1;
    else commit.push(r.ticksToChosenAfterHeal);
    const m = r.report?.fields['messagesPerCommand'];
    if (typeof m === 'number') perCommand.push(m);
  }
  return {
    protocol,
    nodes,
    ticksToElect: distribution(elect),
    ticksToCommitAfterHeal: distribution(commit),
    messagesPerCommand: distribution(perCommand),
    unsettled,
    failed,
  };
}

export function liveness(seeds: number): ProtocolLiveness[] {
  const out: ProtocolLiveness[] = [];
  for (const nodes of [3, 5]) {
    out.push(measure('multipaxos', nodes, multiPaxosSubject({ nodes }), (s) => s.leader.role === 'leader', seeds));
    out.push(measure('raft', nodes, raftSubject({ nodes }), (s) => s.role === 'leader', seeds));
  }
  return out;
}

function cell(d: Distribution): string {
  return `${d.p50} / ${d.p90} / ${d.max}`;
}

export function markdown(rows: readonly ProtocolLiveness[], seeds: number): string {
  return [
    `| protocol | servers | ticks to elect (p50 / p90 / max) | ticks to commit after heal (p50 / p90 / max) | messages per command (p50 / p90 / max) | unsettled / failed of ${seeds} |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.protocol} | ${r.nodes} | ${cell(r.ticksToElect)} | ${cell(r.ticksToCommitAfterHeal)} | ${cell(r.messagesPerCommand)} | ${r.unsettled} / ${r.failed} |`),
  ].join('\n');
}

if (require.main === module) {
  const i = process.argv.indexOf('--seeds');
  const seeds = i < 0 ? 200 : Number(process.argv[i + 1]);
  if (!Number.isInteger(seeds) || seeds < 1) {
    process.stderr.write(`bench/liveness: --seeds must be a whole number >= 1, got ${process.argv[i + 1]}\n`);
    process.exitCode = 2;
  } else {
    const rows = liveness(seeds);
    process.stdout.write(process.argv.includes('--markdown') ? `${markdown(rows, seeds)}\n` : `${JSON.stringify({ seeds, rows })}\n`);
  }
}
