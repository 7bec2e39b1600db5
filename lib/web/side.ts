/**
 * Side by side: one scenario of lib/demo/scenarios.ts (the ones `synod compare` plays) under
 * Multi-Paxos, Raft and, for Figure 8, the broken Raft that commits by counting, in panes that
 * step together, one scenario step at a time, with the mapping row of the step (lib/raft/mapping.ts:
 * which invariant, which rule differs) between them. The runs are the real ones: each pane's
 * nodes are read from the side's scripted cluster after each step, and its violations are what
 * lib/invariants found while the real code ran.
 */
import type { Addressed } from '../core/protocol';
import type { Cluster } from '../harness/cluster';
import type { ScenarioName, SideName } from '../demo/scenarios';
import { runScenario, sidesOf } from '../demo/scenarios';
import { MAPPING } from '../raft/mapping';
import type { MappingRecord } from '../raft/mapping';
import { describeMessage } from '../multipaxos/format';
import type { MultiMessage } from '../multipaxos/messages';
import type { MultiNodeState } from '../multipaxos/node';
import type { RaftNodeState } from '../raft/state';
import { checkLog } from '../invariants/log';
import { checkRaft } from '../invariants/raft';
import { raftMutant } from '../zoo/raft';
import type { BookingOp, BookingResult, BookingState } from '../machine/booking';
import type { Command } from '../machine/command';
import type { NodeView } from './views';
import { multiPaxosView, raftView } from './views';
import type { ShownViolation } from './session';

export interface Pane {
  readonly side: SideName;
  readonly label: string;
  readonly nodes: readonly NodeView[];
  readonly committed: readonly string[];
  readonly messages: readonly string[];
  readonly violations: readonly ShownViolation[];
}

export interface SideStep {
  readonly label: string;
  readonly row: string;
  /** The mapping row, when the step names one of lib/raft/mapping.ts. */
  readonly mapping: Pick<MappingRecord, 'name' | 'kind' | 'neutral' | 'paxos' | 'raft'> | null;
  readonly panes: readonly Pane[];
}

export interface SideBySide {
  readonly scenario: ScenarioName;
  readonly sides: readonly SideName[];
  readonly steps: readonly SideStep[];
  /** Per side: safe, expected safe, and whether every expectation held. */
  readonly verdicts: readonly { side: SideName; safe: boolean; expectedSafe: boolean; ok: boolean }[];
}

type AnyCluster = Cluster<unknown, Addressed, unknown, unknown, Command<BookingOp>>;

function views(side: SideName, cluster: AnyCluster): NodeView[] {
  return cluster.protocol.nodes.map((id) => {
    const s = cluster.state(id);
    return side === 'multipaxos' ? multiPaxosView(s as MultiNodeState<unknown, unknown, unknown>, cluster.isUp(id)) : raftView(s as RaftNodeState<unknown, unknown, unknown>, cluster.isUp(id));
  });
}

/** Plays the scenario on each of its sides (the real runs of `synod compare`), keeping every node after every step. */
export function sideBySide(scenario: ScenarioName): SideBySide {
  const sides = sidesOf(scenario);
  const shots = new Map<SideName, NodeView[][]>();
  const runs = sides.map((side) =>
    runScenario(scenario, side, {
      describeMultiPaxos: (m) => describeMessage(m as unknown as MultiMessage<BookingOp>),
      checkMultiPaxos: checkLog,
      checkRaft,
      brokenRaft: raftMutant('figure8-commit-by-counting')!.handlers<BookingState, BookingOp, BookingResult>(),
      watch: (s, cluster) => {
        const list = shots.get(s) ?? [];
        list.push(views(s, cluster));
        shots.set(s, list);
      },
    }),
  );
  const length = Math.max(...runs.map((r) => r.steps.length));
  const steps: SideStep[] = [];
  for (let i = 0; i < length; i += 1) {
    const first = runs[0]!.steps[i];
    const row = first?.row ?? '';
    const record = MAPPING.find((m) => m.name === row) ?? null;
    steps.push({
      label: first?.label ?? '',
      row,
      mapping: record === null ? null : { name: record.name, kind: record.kind, neutral: record.neutral, paxos: record.paxos, raft: record.raft },
      panes: runs.map((r) => {
        const step = r.steps[i];
        return {
          side: r.side,
          label: step?.label ?? '(this side has finished)',
          nodes: shots.get(r.side)?.[Math.min(i, r.steps.length - 1)] ?? [],
          committed: step?.committed ?? [],
          messages: step?.messages ?? [],
          violations: (step?.violations ?? []).map((v) => ({ invariant: v.invariant, description: v.description, nodes: [...v.nodes] })),
        };
      }),
    });
  }
  return { scenario, sides, steps, verdicts: runs.map((r) => ({ side: r.side, safe: r.safe, expectedSafe: r.expectedSafe, ok: r.ok })) };
}
