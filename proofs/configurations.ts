/**
 * The proof configurations: each one a bounded configuration of the real single-decree roles
 * (and, below, of the Multi-Paxos layer), checked in every reachable state, with its state
 * count pinned. spec/check runs the ones marked `inTests` (they finish in seconds); `npm run
 * proofs` (proofs/run.ts) runs all but the `long` ones, which `npm run proofs:long` runs; each
 * fails if a count moves. proofs/README.md says what each one proves.
 */
import type { MultiPaxosCheckOptions } from '../lib/check/multipaxos';
import type { SingleDecreeOptions } from '../lib/check/paxos';
import type { RaftCheckOptions } from '../lib/check/raft';

export interface ProofConfiguration {
  readonly name: string;
  /** What the row stands for, in a few words. */
  readonly about: string;
  readonly options: SingleDecreeOptions;
  /** `pass`: exhaustive, no violation, a value chosen. `violation`: a counterexample is expected. */
  readonly expect: 'pass' | 'violation';
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** Small enough for `npm test`. */
  readonly inTests: boolean;
  /** Too long for `npm run proofs` (a quarter of an hour or more): run by `npm run proofs:long`. */
  readonly long?: boolean;
}

const core: SingleDecreeOptions = { acceptors: 3, proposers: 2, values: 2, maxRound: 1, network: 'set', crashes: 0 };

export const PINNED: readonly ProofConfiguration[] = [
  {
    name: 'majority, one round',
    about: '3 acceptors, 2 proposers with their own values, ballots 1.1 and 1.2, Paxos.tla network',
    options: core,
    expect: 'pass',
    states: 8_146,
    transitions: 107_914,
    depth: 20,
    inTests: true,
  },
  {
    name: 'majority, one round, as is',
    about: "the first row without reductions: the roles' states as they are and every message kept (what the reductions are measured against)",
    options: { ...core, pruneObsolete: false, normalize: false },
    expect: 'pass',
    states: 361_549,
    transitions: 7_756_290,
    depth: 25,
    inTests: false,
  },
  {
    name: 'one acceptor, two rounds',
    about: '1 acceptor, 2 proposers, ballots up to round 2 (1.1, 1.2, 2.1, 2.2)',
    options: { ...core, acceptors: 1, maxRound: 2 },
    expect: 'pass',
    states: 1_054,
    transitions: 8_763,
    depth: 19,
    inTests: true,
  },
  {
    name: 'flexible quorums 3/1',
    about: 'phase-1 quorum 3, phase-2 quorum 1: they intersect',
    options: { ...core, phase1: 3, phase2: 1 },
    expect: 'pass',
    states: 3_514,
    transitions: 38_449,
    depth: 23,
    inTests: true,
  },
  {
    name: 'flexible quorums 1/2',
    about: 'phase-1 quorum 1, phase-2 quorum 2: they can miss each other',
    options: { ...core, phase1: 1, phase2: 2 },
    expect: 'violation',
    states: 2_689,
    transitions: 19_272,
    /** For a violation: the length of the (shortest) counterexample. */
    depth: 10,
    inTests: false,
  },
  {
    name: 'majority, one round, a crash',
    about: 'as the first row, and any one node may crash and restart from its record once',
    options: { ...core, crashes: 1 },
    expect: 'pass',
    states: 12_345,
    transitions: 177_653,
    depth: 20,
    inTests: false,
  },
  {
    name: 'Stateright-comparable',
    about: '3 servers, 2 clients each with its own value, unordered non-duplicating network',
    options: { ...core, network: 'multiset' },
    expect: 'pass',
    states: 397_400,
    transitions: 1_908_660,
    depth: 26,
    inTests: false,
  },
  {
    name: 'TLC MCPaxosTiny-comparable',
    about: '3 acceptors, 2 values, 2 ballots, any value in any ballot, Paxos.tla network',
    options: { ...core, assign: 'any' },
    expect: 'pass',
    states: 31_577,
    transitions: 418_770,
    depth: 20,
    inTests: false,
  },
  {
    name: 'majority, one round, a learner',
    about: 'as the first row, and node 1 learns (Agreement over learned values too)',
    options: { ...core, learners: 1 },
    expect: 'pass',
    states: 22_795,
    transitions: 361_202,
    depth: 22,
    inTests: false,
  },
  {
    name: 'two rounds, both retrying, colocated',
    about: "3 acceptors, proposers on nodes 1 and 2 (the paper's processes), both retry up to round 2 (ballots 1.1, 1.2, 2.1, 2.2), nothing lost",
    options: { ...core, maxRound: 2 },
    expect: 'pass',
    states: 1_313_920,
    transitions: 33_865_594,
    depth: 36,
    inTests: false,
  },
  {
    name: 'majority, one round, symmetric',
    about: 'as the first row with the proposers on nodes 4 and 5, states counted one per class of states equal up to renaming the 3 acceptors',
    options: { ...core, topology: 'separate', symmetry: true },
    expect: 'pass',
    states: 1_959,
    transitions: 26_013,
    depth: 20,
    inTests: true,
  },
  {
    name: 'two rounds, one retrying',
    about: '3 acceptors, proposers on nodes 4 and 5, proposer 4 retries up to round 2 (ballots 1.4, 1.5, 2.4), nothing lost; symmetric over acceptors',
    options: { ...core, maxRound: 2, timers: 1, topology: 'separate', symmetry: true },
    expect: 'pass',
    states: 21_309,
    transitions: 423_595,
    depth: 28,
    inTests: false,
  },
  {
    name: 'two rounds, both retrying',
    about: '3 acceptors, both proposers retry up to round 2 (ballots 1.4, 1.5, 2.4, 2.5), nothing lost; symmetric over acceptors',
    options: { ...core, maxRound: 2, topology: 'separate', symmetry: true },
    expect: 'pass',
    states: 270_552,
    transitions: 7_003_209,
    depth: 36,
    inTests: false,
  },
  {
    name: 'two rounds, both retrying, a crash',
    about: 'as the previous row, and any one node may crash and restart from what it persisted; symmetric over acceptors',
    options: { ...core, maxRound: 2, topology: 'separate', symmetry: true, crashes: 1 },
    expect: 'pass',
    states: 406_682,
    transitions: 11_096_211,
    depth: 36,
    inTests: false,
  },
  {
    name: 'three rounds, one retrying',
    about: '3 acceptors, proposer 4 retries up to round 3 (ballots 1.4, 1.5, 2.4, 3.4), nothing lost; symmetric over acceptors',
    options: { ...core, maxRound: 3, timers: 1, topology: 'separate', symmetry: true },
    expect: 'pass',
    states: 453_957,
    transitions: 12_350_490,
    depth: 37,
    inTests: false,
  },  {
    name: 'three rounds, both retrying',
    about: '3 acceptors, both proposers retry up to round 3 (ballots 1.4, 1.5, 2.4, 2.5, 3.4, 3.5), nothing lost; symmetric over acceptors. About 20 minutes: npm run proofs:long',
    options: { ...core, maxRound: 3, topology: 'separate', symmetry: true },
    expect: 'pass',
    states: 29_927_222,
    transitions: 1_134_531_899,
    depth: 52,
    inTests: false,
    long: true,
  },

];

/**
 * Multi-Paxos proof configurations: the real stable-leader layer (lib/multipaxos), 3 nodes,
 * every reachable state (lib/check/multipaxos.ts says what each bound means). Each is bounded
 * by: timers T (nodes 1..T can campaign), ballots up to round R (and, with `rounds`, each timer
 * node's own highest round), client commands C (each handed once to a timer node), crashes K,
 * and the set network. With T = 2 and R = 1 the ballots are 1.1 and 1.2, so a leader change is
 * node 2 taking over from node 1 (node 2 campaigns before it has promised 1.1; a node that
 * promised 1.1 would need round 2). With `rounds: [2, 1]` node 1 may campaign again in round 2:
 * the ballots 1.1, 1.2 and 2.1, two leader changes, the third leader merging what two earlier
 * ballots left.
 *
 * Every row runs with the model's reductions (normal forms and removal of obsolete replies, on
 * by default for the real roles); each row "as is" is the same workload without them
 * (`normalize: false, pruneObsolete: false`), the counts the checker gave before they existed.
 * Both are pinned; the largest "as is" row runs in `npm run proofs:long`.
 */
export interface MultiPaxosProofConfiguration {
  readonly name: string;
  readonly about: string;
  readonly options: MultiPaxosCheckOptions;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly inTests: boolean;
  /** Only in `npm run proofs:long`. */
  readonly long?: boolean;
}

const mp: MultiPaxosCheckOptions = { nodes: 3, commands: 1, timers: 2, maxRound: 1, crashes: 0, network: 'set' };
const asIs = { normalize: false, pruneObsolete: false } as const;
const threeBallots: MultiPaxosCheckOptions = { ...mp, maxRound: 2, rounds: [2, 1] };
/** Log compaction after every applied slot: each chosen slot is folded into a snapshot at once. */
const snapshots = { snapshotEvery: 1 } as const;

export const MULTIPAXOS_PINNED: readonly MultiPaxosProofConfiguration[] = [
  {
    name: 'multipaxos: 1 command, leader change',
    about: '3 nodes, 1 command, timers on nodes 1 and 2, ballots 1.1 and 1.2, no crash',
    options: mp,
    states: 2_180,
    transitions: 26_112,
    depth: 22,
    inTests: true,
  },
  {
    name: 'multipaxos: 1 command, leader change, as is',
    about: 'the same without reductions',
    options: { ...mp, ...asIs },
    states: 12_948,
    transitions: 233_246,
    depth: 27,
    inTests: true,
  },
  {
    name: 'multipaxos: 1 command, a crash',
    about: 'as above, and any one node may crash and restart from its record once',
    options: { ...mp, crashes: 1 },
    states: 15_214,
    transitions: 199_910,
    depth: 25,
    inTests: true,
  },
  {
    name: 'multipaxos: 1 command, a crash, as is',
    about: 'the same without reductions',
    options: { ...mp, crashes: 1, ...asIs },
    states: 106_182,
    transitions: 2_019_632,
    depth: 30,
    inTests: true,
  },
  {
    name: 'multipaxos: 2 slots, leader change',
    about: '3 nodes, 2 commands (one to node 1, one to node 2), timers on nodes 1 and 2, ballots 1.1 and 1.2, no crash',
    options: { ...mp, commands: 2 },
    states: 71_300,
    transitions: 1_528_204,
    depth: 31,
    inTests: false,
  },
  {
    name: 'multipaxos: 2 slots, leader change, as is',
    about: 'the same without reductions',
    options: { ...mp, commands: 2, ...asIs },
    states: 1_104_488,
    transitions: 29_535_102,
    depth: 36,
    inTests: false,
  },
  {
    name: 'multipaxos: 2 slots, leader change, a crash',
    about: 'as above, and any one node may crash and restart from its record once',
    options: { ...mp, commands: 2, crashes: 1 },
    states: 567_028,
    transitions: 12_468_678,
    depth: 34,
    inTests: false,
  },
  {
    name: 'multipaxos: 2 slots, leader change, a crash, as is',
    about: 'the same without reductions',
    options: { ...mp, commands: 2, crashes: 1, ...asIs },
    states: 9_628_808,
    transitions: 263_536_370,
    depth: 39,
    inTests: false,
    long: true,
  },
  {
    name: 'multipaxos: 1 command, three ballots',
    about: '3 nodes, 1 command to node 1, timers on nodes 1 and 2, ballots 1.1, 1.2 and 2.1 (node 1 campaigns again), no crash',
    options: threeBallots,
    states: 41_852,
    transitions: 757_695,
    depth: 30,
    inTests: true,
  },
  {
    name: 'multipaxos: 2 slots, three ballots',
    about: '3 nodes, 2 commands (one to node 1, one to node 2), ballots 1.1, 1.2 and 2.1: votes for one slot in 1.1 and 1.2, merged by the third leader',
    options: { ...threeBallots, commands: 2 },
    states: 6_511_280,
    transitions: 185_510_804,
    depth: 42,
    inTests: false,
  },
  {
    name: 'multipaxos: 1 command, snapshots',
    about: 'the leader-change row with a snapshot after every applied slot: a new leader or a lagging follower is sent the applied state, not the compacted slot',
    options: { ...mp, ...snapshots },
    states: 2_076,
    transitions: 24_094,
    depth: 21,
    inTests: false,
  },
  {
    name: 'multipaxos: 1 command, snapshots, a crash',
    about: 'as above, and any one node may crash and restart from its record (snapshot included) once',
    options: { ...mp, crashes: 1, ...snapshots },
    states: 14_210,
    transitions: 180_252,
    depth: 25,
    inTests: false,
  },
  {
    name: 'multipaxos: 2 slots to node 1, snapshots',
    about: '3 nodes, 2 commands to node 1, timers on nodes 1 and 2, ballots 1.1 and 1.2, a snapshot after every applied slot: where follower-fills-hole-below-snapshot breaks',
    options: { ...mp, commands: 2, target: 'first', ...snapshots },
    states: 196_940,
    transitions: 4_190_234,
    depth: 30,
    inTests: false,
  },
];

/** A pinned configuration of Raft (lib/raft), checked by lib/check/raft.ts. */
export interface RaftProofConfiguration {
  readonly name: string;
  readonly about: string;
  readonly options: RaftCheckOptions;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly inTests: boolean;
}

export const RAFT_PINNED: readonly RaftProofConfiguration[] = [
  {
    name: 'raft: 2 servers, 1 command, two terms',
    about: '2 servers, 1 command to server 1, timers on both, terms up to 2, no crash',
    options: { nodes: 2, commands: 1, timers: 2, maxTerm: 2, crashes: 0 },
    states: 8_320,
    transitions: 112_261,
    depth: 25,
    inTests: true,
  },
  {
    name: 'raft: 3 servers, 1 command, one term',
    about: '3 servers, 1 command to server 1, a timer on server 1, term 1, no crash',
    options: { nodes: 3, commands: 1, timers: 1, maxTerm: 1, crashes: 0 },
    states: 15_607,
    transitions: 269_809,
    depth: 23,
    inTests: true,
  },
  {
    name: 'raft: 3 servers, three candidates, a crash',
    about: '3 servers, no command (the no-ops), timers on all three, term 1, any one server may crash and restart once',
    options: { nodes: 3, commands: 0, timers: 3, maxTerm: 1, crashes: 1 },
    states: 27_515,
    transitions: 390_897,
    depth: 18,
    inTests: true,
  },
  {
    name: 'raft: 3 servers, 1 command, two candidates',
    about: '3 servers, 1 command to server 1, timers on servers 1 and 2, term 1, no crash',
    options: { nodes: 3, commands: 1, timers: 2, maxTerm: 1, crashes: 0 },
    states: 39_021,
    transitions: 720_867,
    depth: 25,
    inTests: false,
  },
  {
    name: 'raft: 3 servers, 1 command, a crash',
    about: '3 servers, 1 command to server 1, a timer on server 1, term 1, any one server may crash and restart once',
    options: { nodes: 3, commands: 1, timers: 1, maxTerm: 1, crashes: 1 },
    states: 100_308,
    transitions: 1_801_877,
    depth: 25,
    inTests: false,
  },
];

/**
 * Multi-Paxos with reads outside the log (lib/multipaxos/reads.ts), checked by ReadsLinearizable
 * (lib/invariants/reads.ts) besides every log invariant: one read-index read of x, invoked once
 * by a client at any node at any point of the run (the model writes into it which commands had
 * been acknowledged by then). Each row is also bounded by the heartbeat rounds a node opens in
 * one life (`readRounds`): a leader with a read waiting opens one on every tick. Every row must
 * also witness "a read is served".
 */
const reads: MultiPaxosCheckOptions = { ...mp, reads: 1 };

export const MULTIPAXOS_READS_PINNED: readonly MultiPaxosProofConfiguration[] = [
  {
    name: 'multipaxos reads: 1 command, 1 read, one leader',
    about: '3 nodes, 1 command to node 1, a timer on node 1, ballot 1.1, one read-index read at any node, two heartbeat rounds per life, no crash',
    options: { ...reads, timers: 1 },
    states: 200_768,
    transitions: 4_090_856,
    depth: 27,
    inTests: false,
  },
  {
    name: 'multipaxos reads: 1 command, 1 read, a crash',
    about: 'as above with one heartbeat round per life, and any one node may crash and restart from its record once',
    options: { ...reads, timers: 1, readRounds: 1, crashes: 1 },
    states: 103_346,
    transitions: 1_809_680,
    depth: 26,
    inTests: false,
  },
  {
    name: 'multipaxos reads: 1 command, 1 read, leader change',
    about: '3 nodes, 1 command to node 1, timers on nodes 1 and 2, ballots 1.1 and 1.2, one read-index read at any node, one heartbeat round per life, no crash',
    options: { ...reads, readRounds: 1 },
    states: 222_442,
    transitions: 5_058_666,
    depth: 34,
    inTests: false,
  },
];

/** The read mutants the checker catches (lib/check/multipaxos.ts `multiPaxosReadZooEntries`): by what, in how many actions. */
export const READ_ZOO_PINNED: Readonly<Record<string, { readonly invariants: readonly string[]; readonly length: number }>> = {
  'leader-reads-without-confirming': { invariants: ['ReadsLinearizable'], length: 18 },
  'read-index-before-own-ballot-commit': { invariants: ['ReadsLinearizable'], length: 15 },
};

/**
 * Lazy `learned` records (docs/runtime.md): the node driver sends and replies after a group of
 * `learned` records without waiting for their sync, so a crash may lose them. These rows check
 * Multi-Paxos with a durable record that never keeps a `learned` change (`volatile`), with
 * crashes: every invariant still holds (ChosenIsStable in its forgetful form: a crashed
 * replica may hold nothing in a slot it learned, never another value). The broken row loses
 * votes too, and must be rejected with a counterexample: the check can fail.
 */
export interface DurabilityProofConfiguration {
  readonly name: string;
  readonly about: string;
  readonly options: MultiPaxosCheckOptions;
  /** `pass`: exhaustive, no violation, every sometimes-property witnessed. `violation`: a counterexample is expected. */
  readonly expect: 'pass' | 'violation';
  readonly states: number;
  readonly transitions: number;
  /** For a violation: the length of the (shortest) counterexample. */
  readonly depth: number;
  readonly inTests: boolean;
}

export const DURABILITY_PINNED: readonly DurabilityProofConfiguration[] = [
  {
    name: 'multipaxos, lazy learned: 1 command, a crash',
    about: "the 'a crash' row with learned records never durable: a crash loses every value the node learned",
    options: { ...mp, crashes: 1, volatile: ['learned'] },
    expect: 'pass',
    states: 16_484,
    transitions: 219_409,
    depth: 25,
    inTests: true,
  },
  {
    name: 'multipaxos, lazy learned: 1 command, a crash, as is',
    about: 'the same without reductions',
    options: { ...mp, crashes: 1, volatile: ['learned'], ...asIs },
    expect: 'pass',
    states: 120_746,
    transitions: 2_325_214,
    depth: 30,
    inTests: true,
  },
  {
    name: 'multipaxos, lazy learned: 2 slots, a crash',
    about: "the '2 slots, leader change, a crash' row with learned records never durable",
    options: { ...mp, commands: 2, crashes: 1, volatile: ['learned'] },
    expect: 'pass',
    states: 744_124,
    transitions: 16_550_110,
    depth: 34,
    inTests: false,
  },
  {
    name: 'multipaxos, broken: votes lazy too',
    about: 'a deliberately broken driver that also sends after a vote without syncing it: a crash loses votes',
    options: { ...mp, crashes: 1, volatile: ['learned', 'vote'] },
    expect: 'violation',
    states: 1_799,
    transitions: 8_158,
    depth: 10,
    inTests: true,
  },
];

/**
 * The leader's own vote in parallel (lib/multipaxos/state.ts `ownVote: 'parallel'`, what the
 * real node runs): the leader sends the accept to its own acceptor as a message and counts its
 * acceptance when the `accepted` comes back, so a driver syncs the leader's vote while the
 * followers sync theirs. In these rows a node's messages to itself are messages of the network
 * like any other (delivered late, out of order, or never), where the other rows lose them.
 * The last row is the broken variant (the zoo's leader-counts-own-vote-early: the leader
 * counts its acceptance before its acceptor has voted), which must be rejected.
 */
const ownVote = { ownVote: 'parallel' } as const;

export const OWN_VOTE_PINNED: readonly DurabilityProofConfiguration[] = [
  {
    name: 'multipaxos, own vote in parallel: 1 command, leader change',
    about: "the 'leader change' row with the leader's accept to itself and its acceptance back as messages",
    options: { ...mp, ...ownVote },
    expect: 'pass',
    states: 7_526,
    transitions: 126_184,
    depth: 27,
    inTests: true,
  },
  {
    name: 'multipaxos, own vote in parallel: 1 command, leader change, as is',
    about: 'the same without reductions',
    options: { ...mp, ...ownVote, ...asIs },
    expect: 'pass',
    states: 115_246,
    transitions: 2_935_145,
    depth: 33,
    inTests: false,
  },
  {
    name: 'multipaxos, own vote in parallel: 1 command, a crash',
    about: 'as above, and any one node may crash and restart from its record once (a crash loses its messages to itself in flight)',
    options: { ...mp, ...ownVote, crashes: 1 },
    expect: 'pass',
    states: 52_278,
    transitions: 929_662,
    depth: 30,
    inTests: true,
  },
  {
    name: 'multipaxos, own vote in parallel: 1 command, a crash, lazy learned',
    about: 'what the real node runs: the own vote in parallel and learned records never durable, with a crash',
    options: { ...mp, ...ownVote, crashes: 1, volatile: ['learned'] },
    expect: 'pass',
    states: 57_465,
    transitions: 1_033_671,
    depth: 30,
    inTests: true,
  },
  {
    name: 'multipaxos, own vote in parallel: 1 command, three ballots',
    about: "the 'three ballots' row (1.1, 1.2 and 2.1) with the own vote in parallel",
    options: { ...threeBallots, ...ownVote },
    expect: 'pass',
    states: 303_848,
    transitions: 7_514_111,
    depth: 38,
    inTests: false,
  },
  {
    name: 'multipaxos, own vote in parallel: 2 slots, leader change',
    about: "the '2 slots, leader change' row with the own vote in parallel",
    options: { ...mp, ...ownVote, commands: 2 },
    expect: 'pass',
    states: 839_436,
    transitions: 23_679_580,
    depth: 38,
    inTests: false,
  },
  {
    name: 'multipaxos, own vote in parallel: 2 slots, leader change, a crash, lazy learned',
    about: 'what the real node runs, on two slots: the own vote in parallel, learned records never durable, a crash',
    options: { ...mp, ...ownVote, commands: 2, crashes: 1, volatile: ['learned'] },
    expect: 'pass',
    states: 8_191_308,
    transitions: 237_696_058,
    depth: 41,
    inTests: false,
  },
  {
    name: 'multipaxos, broken: the leader counts its own vote early',
    about: 'the zoo\'s leader-counts-own-vote-early: with the own vote in parallel, the leader counts its acceptance when it proposes, before its acceptor voted',
    options: { ...mp, ...ownVote, mutant: 'leader-counts-own-vote-early' },
    expect: 'violation',
    states: 172,
    transitions: 603,
    depth: 7,
    inTests: true,
  },
];
