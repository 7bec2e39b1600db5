/**
 * The model checker on the Multi-Paxos node under a leader policy, configured to
 * catch Raft's Figure-8 bug: `raft-figure8-commit`, Raft without the current-term commit rule.
 *
 * The smallest cluster that shows the bug has three nodes (the paper's Figure 8 uses five; the
 * pattern only needs two rival candidates and one voter between them):
 *
 *   S1 leads term 1.1 and writes X at slot 1 after its no-op, alone; S3 leads term 1.3 (with
 *   S2's vote) and writes its no-op at slot 0, alone; S1 leads term 2.1 with S2, re-sends its
 *   log (X keeps term 1.1) and S2 stores it: X is on a majority, and the broken rule commits it
 *   by counting replicas; S3's last entry (term 1.3) is more up to date than S2's (term 1.1), so
 *   S3 wins term 3.3 with S2's vote and overwrites slot 1: S1 learned X there, S3 learns a no-op.
 *
 * That run is about 30 actions long, and the generic exhaustive search cannot finish every
 * interleaving of three nodes to that depth. So this is a BOUNDED, DIRECTED configuration, and
 * says so: S1 and S3 may time out, S2 only votes and accepts; one client command (X) at S1;
 * ballots up to round 3; no crashes; the network (Paxos.tla's `set` of messages, so a
 * retransmission is the same message) loses every heartbeat, catch-up, learn and rejection, and
 * between the two rivals S1 and S3 every message but the prepare (each must see the other's
 * higher ballot to step down), none of which this bug needs. Inside those bounds the search is exhaustive: under the correct Raft
 * rule and under Paxos's rules it visits every reachable state and finds no violation (the
 * control); under the broken rule it finds the shortest counterexample (BFS).
 *
 * The property is the learned-based Agreement of lib/raft/learned.ts (no two replicas learn
 * different commands at one slot), for the reason given there: Voting.tla's vote-based `chosen`
 * is not what Raft commits by.
 */
import type { AlwaysProperty, CheckResult, Model, SometimesProperty, TraceStep } from './model-checker';
import { ModelChecker, formatTrace } from './model-checker';
import { canonicalKey } from './canonical';
import type { CheckReport } from './report';
import { toCheckReport } from './report';
import { majorities } from '../paxos/quorum';
import type { KvOp, KvResult, KvState } from '../machine/kv';
import { kvStore } from '../machine/kv';
import type { Command } from '../machine/command';
import type { Entry, MultiMessage } from '../multipaxos/messages';
import type { MultiEffect, MultiNodeState, MultiRecord } from '../multipaxos/node';
import { multiPaxosProtocol } from '../multipaxos/node';
import * as vec from '../core/vector';
import type { LeaderPolicy } from '../raft/policy';
import { entryContent, entryLabel } from '../raft/safety';
import { describeMessage } from '../raft/scenarios';

type State = MultiNodeState<KvState, KvOp, KvResult>;
type Message = MultiMessage<KvOp>;
type Cmd = Command<KvOp>;
type Figure8Model = Model<State, Message, MultiEffect<KvOp, KvResult>, MultiRecord<KvOp>, Cmd>;

/** The configuration, spelled out for reports. */
export interface Figure8Config {
  readonly nodes: 3;
  readonly policy: string;
  readonly maxRound: number;
  readonly timers: readonly number[];
  readonly requests: string;
  readonly network: 'set';
  readonly crashes: 0;
  readonly lose: readonly string[];
  readonly search: 'bfs' | 'dfs';
}

const X: Cmd = { client: 'x', seq: 1, op: { type: 'put', key: 'k', value: 1 } };
const LOSE: readonly Message['type'][] = ['heartbeat', 'catchup', 'learn', 'rejected'];

/** A message between the two rival candidates, S1 and S3: only their prepares are needed (each deposes the other). */
function rivals(m: Message): boolean {
  return (m.from === 1 && m.to === 3) || (m.from === 3 && m.to === 1);
}

/** The learned log of one node as text, for memoizing the property on it. */
function learnedKey(s: State): string {
  const parts: string[] = [];
  for (let slot = 0; slot < s.log.size; slot += 1) {
    const e = vec.get(s.log, slot);
    if (e !== undefined) parts.push(`${slot}=${entryContent(e)}`);
  }
  return parts.join(';');
}

/** Agreement over what replicas learned: no two learn different commands at one slot. */
const learnedAgreement: AlwaysProperty<State, Message, Cmd> = {
  name: 'learned Agreement',
  check(snapshot) {
    const first = new Map<number, { node: number; entry: Entry<KvOp> }>();
    const out: { invariant: string; description: string }[] = [];
    snapshot.states.forEach((s, i) => {
      const node = snapshot.nodes[i] ?? 0;
      for (let slot = 0; slot < s.log.size; slot += 1) {
        const e = vec.get(s.log, slot);
        if (e === undefined) continue;
        const f = first.get(slot);
        if (f === undefined) first.set(slot, { node, entry: e });
        else if (entryContent(f.entry) !== entryContent(e)) {
          out.push({ invariant: 'Agreement', description: `node ${f.node} learned ${entryLabel(f.entry)} at slot ${slot}, node ${node} learned ${entryLabel(e)}: the committed entry ${entryLabel(f.entry)} is lost` });
        }
      }
    });
    return out;
  },
  reads: { node: learnedKey, message: () => false, requests: false },
};

/** Some replica learned the client's command: the check is not passing by committing nothing. */
const commandLearned: SometimesProperty<State, Message, Cmd> = {
  name: 'a command is committed',
  holds: (snapshot) => snapshot.states.some((s) => vec.range(s.log, 0).some((e) => e?.kind === 'batch')),
  reads: { node: (s) => (vec.range(s.log, 0).some((e) => e?.kind === 'batch') ? 'C' : ''), message: () => false, requests: false },
};

/** The node state without what never changes behaviour (counters) or is derived from the log (the replica). */
function stateKey(s: State): string {
  return canonicalKey({ ...s, counters: undefined, replica: undefined });
}

export function figure8Model(policy: LeaderPolicy, maxRound = 3): Figure8Model {
  const protocol = multiPaxosProtocol({
    quorums: majorities(3),
    machine: kvStore,
    window: 4,
    batch: 1,
    heartbeat: 1,
    electionTimeout: 2,
    seed: 1,
    policy,
  });
  return {
    protocol,
    network: 'set',
    requests: [{ node: 1, choices: [X] }],
    timeouts: [1, 3],
    crashes: 0,
    within: (s) => s.ballot.round <= maxRound && s.promised.round <= maxRound,
    codec: { state: stateKey, message: canonicalKey, durable: canonicalKey },
    lost: (m) => LOSE.includes(m.type) || (rivals(m) && m.type !== 'prepare'),
    always: [learnedAgreement],
    sometimes: [commandLearned],
  };
}

function report(config: Figure8Config, r: CheckResult<Message, Cmd>): CheckReport<Figure8Config> {
  return toCheckReport('raft', config, r, (trace: readonly TraceStep<Message, Cmd>[]) =>
    formatTrace(trace, (m: Message) => describeMessage(m), (c: Cmd) => `${c.client}#${c.seq}`));
}

/** Runs the bounded Figure-8 configuration under `policy`. */
export function checkFigure8(policy: LeaderPolicy, options: { readonly dfs?: boolean; readonly maxStates?: number } = {}): CheckReport<Figure8Config> {
  const maxRound = 3;
  const result = new ModelChecker(figure8Model(policy, maxRound)).run({
    ...(options.dfs === true ? { dfs: true } : {}),
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
  });
  return report(
    { nodes: 3, policy: policy.name, maxRound, timers: [1, 3], requests: 'x#1 at node 1', network: 'set', crashes: 0, lose: [...LOSE, 'accept, accepted and promise between nodes 1 and 3'], search: options.dfs === true ? 'dfs' : 'bfs' },
    result,
  );
}

/** The configuration in words, for `synod check --list-mutants`. */
export function describeFigure8(policy: string): string {
  return `3 nodes (timers at 1 and 3), one command at node 1, ballots up to round 3, set network losing every ${LOSE.join(', ')} message and every accept, accepted and promise between nodes 1 and 3, no crashes, policy ${policy} (bounded and directed; exhaustive within the bounds)`;
}

