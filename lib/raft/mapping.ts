/**
 * The mapping: every safety invariant of synod stated three ways (in neutral words, in Paxos's
 * vocabulary, in Raft's), with where the code enforces it and which check verifies it.
 *
 * This is the one module where Paxos and Raft words stand side by side. Every row cites code on
 * both sides (a module of lib/paxos, lib/multipaxos or lib/machine, and one of lib/raft) and a
 * check on both sides (a Paxos or Multi-Paxos spec, and a spec under spec/raft). Each reference is
 * data that a test resolves (spec/raft/mapping.spec.ts): every `enforcedBy` names a module
 * and one of its exports, every `checkedBy` names a spec file and a test title in it, so the
 * table cannot rot when the code moves.
 */

/** A place in the code: a module under lib/ and one of its exports. */
export interface CodeRef {
  readonly module: string;
  readonly export: string;
}

/** A check: a spec file and (part of) the title of a test in it. */
export interface CheckRef {
  readonly spec: string;
  readonly test: string;
}

/** `difference`: one of the three places where Multi-Paxos (lib/multipaxos) and Raft (lib/raft) differ. */
export type MappingKind = 'invariant' | 'raft-guarantee' | 'engineer-question' | 'difference';

export interface MappingRecord {
  readonly name: string;
  readonly kind: MappingKind;
  /** The statement with no protocol words. */
  readonly neutral: string;
  readonly paxos: string;
  readonly raft: string;
  readonly enforcedBy: readonly CodeRef[];
  readonly checkedBy: readonly CheckRef[];
}

const code = (module: string, name: string): CodeRef => ({ module, export: name });
const check = (spec: string, test: string): CheckRef => ({ spec, test });

const PAPER = 'spec/paxos/paper.spec.ts';
const VOTING = 'spec/invariants/voting.spec.ts';
const MULTI = 'spec/multipaxos/paper.spec.ts';
const LOG = 'spec/multipaxos/invariants.spec.ts';
const SIM = 'spec/sim/seeds.spec.ts';
const SIDE = 'spec/raft/compare.spec.ts';
const RAFT = 'spec/raft/paper.spec.ts';
const RAFT_CHECK = 'spec/raft/check.spec.ts';
const RAFT_SIM = 'spec/raft/sim.spec.ts';
const READS = 'spec/multipaxos/reads.spec.ts';
const OWN_VOTE = 'spec/multipaxos/own-vote.spec.ts';
const RAFT_READS = 'spec/raft/reads.spec.ts';
const RAFT_SIM_READS = 'spec/raft/sim-reads.spec.ts';

export const MAPPING: readonly MappingRecord[] = [
  {
    name: 'Agreement',
    kind: 'invariant',
    neutral: 'At most one value is decided for each log position.',
    paxos: 'At most one value is chosen per slot; chosen means a phase-2 quorum accepted it in one ballot (Consensus.tla, Voting.tla).',
    raft: 'State Machine Safety: no two servers apply different entries at the same index.',
    enforcedBy: [code('lib/paxos/proposer', 'chooseValue'), code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/commit', 'leaderCommitIndex'), code('lib/invariants/raft', 'RaftHistory')],
    checkedBy: [check(PAPER, '"Only a single value is chosen"'), check(VOTING, 'Agreement and VotesSafe reject a proposer that ignores the values in the promises'), check(RAFT_SIM, 'zero violations, linearizable histories, everything committed after the heal')],
  },
  {
    name: 'Validity',
    kind: 'invariant',
    neutral: 'Only a value some client asked for (or a no-op filling a gap) is decided.',
    paxos: 'Only a proposed value can be chosen: a proposer sends its own value or one reported in a promise.',
    raft: 'Entries come only from client requests to the leader (and the no-op a new leader appends).',
    enforcedBy: [code('lib/paxos/proposer', 'chooseValue'), code('lib/multipaxos/leader', 'onRequest'), code('lib/raft/node', 'requestRaft'), code('lib/raft/election', 'becomeLeader')],
    checkedBy: [check(PAPER, '"Only a value that has been proposed may be chosen"'), check(VOTING, 'Validity rejects a proposer that invents a value'), check(RAFT, 'the leader appends a client command to its log, persisted, and sends it to every follower')],
  },
  {
    name: 'OneValuePerBallot',
    kind: 'invariant',
    neutral: 'One leadership epoch never proposes two different values for one position.',
    paxos: 'Accept requests of one ballot carry one value per slot; a ballot (round, node) belongs to one proposer.',
    raft: 'Election Safety and Leader Append-Only: one leader per term, and it never rewrites an index of its own log.',
    enforcedBy: [code('lib/paxos/ballot', 'next'), code('lib/paxos/proposer', 'onPromise'), code('lib/raft/replication', 'appendAsLeader')],
    checkedBy: [check(VOTING, 'OneValuePerBallot rejects proposers that share ballots'), check(RAFT_CHECK, 'vote-not-persisted')],
  },
  {
    name: 'PromiseKept',
    kind: 'invariant',
    neutral: 'A node that has joined a newer epoch refuses work from older ones, even after a restart.',
    paxos: 'P1a: no acceptance below a promise; the promise (maxBal) is persisted before the promise message leaves.',
    raft: 'A server rejects requests whose term is below currentTerm; currentTerm and votedFor are on stable storage before it answers.',
    enforcedBy: [code('lib/paxos/acceptor', 'onPrepare'), code('lib/paxos/acceptor', 'onAccept'), code('lib/raft/node', 'deliverRaft'), code('lib/raft/state', 'persistChange')],
    checkedBy: [
      check(PAPER, 'P1a. "An acceptor can accept a proposal numbered n iff'),
      check(VOTING, 'PromiseKept rejects an acceptor that accepts below its promise'),
      check(VOTING, 'PromiseKept rejects an acceptor that forgets an unpersisted promise in a crash'), check(RAFT, 'a request of a stale term is refused'), check(RAFT, 'that sees a higher term updates its term, persisted, and becomes a follower')],
  },
  {
    name: 'VotesSafe',
    kind: 'invariant',
    neutral: 'A new leader proposes, for every position, only what cannot contradict an earlier decision.',
    paxos: 'P2c: the value of the highest-numbered proposal accepted among a phase-1 quorum, else any value (Voting.tla SafeAt).',
    raft: 'Leader Completeness: a leader holds every committed entry, because voters grant only to an up-to-date log (section 5.4.1).',
    enforcedBy: [code('lib/paxos/proposer', 'chooseValue'), code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/election', 'atLeastAsUpToDate')],
    checkedBy: [
      check(PAPER, 'P2c.'),
      check(VOTING, 'VotesSafe rejects a proposer that adopts the lowest accepted ballot'),
      check(MULTI, 'slot 812: a new leader keeps #8841'), check(RAFT, '5.4.1: a voter with log terms [1, 2]')],
  },
  {
    name: 'ChosenIsStable',
    kind: 'invariant',
    neutral: 'What a replica learned as decided is never unlearned, and its applied history only grows.',
    paxos: 'A learned value is chosen forever; the learner persists its log before applying it (the real node may let that record wait for the next sync: a crash then loses only values the node learns again, never another value).',
    raft: 'Committed entries are never removed; commitIndex and lastApplied only increase.',
    enforcedBy: [code('lib/multipaxos/learner', 'learn'), code('lib/multipaxos/node', 'recoverMultiNode'), code('lib/raft/state', 'recoverRaftNode')],
    checkedBy: [check(LOG, 'ChosenIsStable: a replica never unlearns a slot'), check('spec/check/lazy-learned.spec.ts', 'losing learned records reaches more states than keeping them'), check(RAFT, 'a crash keeps currentTerm, votedFor and the log, and nothing volatile')],
  },
  {
    name: 'AckImpliesChosen',
    kind: 'invariant',
    neutral: 'A client is told "done" only for a command that is decided.',
    paxos: "The leader replies only after a phase-2 quorum accepted the slot and it was applied. Its own acceptance counts like any other acceptor's, once its vote is durable: the real node sends the accept to its own acceptor as a message, so its disk write runs beside the followers'.",
    raft: 'The leader answers a client only after the entry is committed and applied to its state machine. Thesis 10.2.1 lets the leader write its own log in parallel with replication (synod\'s Raft writes it before its AppendEntries leave).',
    enforcedBy: [code('lib/multipaxos/leader', 'countAck'), code('lib/multipaxos/leader', 'propose'), code('lib/multipaxos/learner', 'advanceCommit'), code('lib/raft/commit', 'commitTo')],
    checkedBy: [
      check(LOG, 'AckImpliesChosen: an acknowledgement needs a phase-2 quorum'),
      check(MULTI, 'fences a stale leader'),
      check(OWN_VOTE, "a crash before the leader's own vote arrives: nothing was acknowledged"),
      check(RAFT, 'the leader commits an entry once it is on a majority, applies it, and answers the client'),
    ],
  },
  {
    name: 'LogPrefixAgreement',
    kind: 'invariant',
    neutral: 'All replicas apply the same commands in the same order.',
    paxos: 'Each slot is its own instance of Paxos; replicas apply chosen slots in slot order, with no gaps.',
    raft: 'Log Matching and State Machine Safety: logs that share an (index, term) are identical up to it; entries apply in index order.',
    enforcedBy: [code('lib/multipaxos/learner', 'advanceCommit'), code('lib/raft/replication', 'onAppendEntries'), code('lib/invariants/raft', 'stateMachineSafety')],
    checkedBy: [check(LOG, 'LogPrefixAgreement: replicas that applied the same prefix agree'), check(MULTI, 'every replica applies the same log in the same order'), check(RAFT, '(conflicts deleted, the rest appended)')],
  },
  {
    name: 'Election Safety',
    kind: 'raft-guarantee',
    neutral: 'At most one node leads a given epoch.',
    paxos: 'A ballot is owned by one node (round, node), and a candidate leads only with promises from a phase-1 quorum.',
    raft: 'At most one leader can be elected in a given term (each server votes once per term).',
    enforcedBy: [code('lib/paxos/ballot', 'next'), code('lib/paxos/quorum', 'quorumSystem'), code('lib/raft/election', 'onRequestVote'), code('lib/invariants/raft', 'electionSafetyNow')],
    checkedBy: [check(VOTING, 'OneValuePerBallot rejects proposers that share ballots'), check(RAFT, '(first come, first served)'), check(RAFT_CHECK, 'vote-not-persisted')],
  },
  {
    name: 'Leader Append-Only',
    kind: 'raft-guarantee',
    neutral: 'A leader never overwrites or deletes what it proposed in its own epoch.',
    paxos: 'A leader assigns each slot once per ballot (OneValuePerBallot).',
    raft: 'A leader never overwrites or deletes entries in its log; it only appends.',
    enforcedBy: [code('lib/multipaxos/leader', 'fill'), code('lib/raft/replication', 'appendAsLeader'), code('lib/invariants/raft', 'RaftHistory')],
    checkedBy: [check(MULTI, 'batches queued commands into one slot'), check(RAFT_CHECK, 'every invariant holds, an entry is committed')],
  },
  {
    name: 'Log Matching',
    kind: 'raft-guarantee',
    neutral: 'Two replicas that agree on a position and its epoch agree on everything before it.',
    paxos: 'Not needed as such: every slot is decided on its own, and holes are filled with no-ops before the log is applied.',
    raft: 'If two logs contain an entry with the same index and term, the logs are identical in all entries up to that index.',
    enforcedBy: [code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/replication', 'onAppendEntries'), code('lib/invariants/raft', 'logMatching')],
    checkedBy: [check(MULTI, 'fills holes with no-ops'), check(RAFT, 'Figure 7 ('), check(RAFT_CHECK, 'follower-keeps-conflicting-suffix')],
  },
  {
    name: 'Leader Completeness',
    kind: 'raft-guarantee',
    neutral: 'Every decided value is in the log of every later leader.',
    paxos: 'P2c, slot by slot: the new leader adopts the highest-ballot vote its promises report and re-proposes it in its own ballot.',
    raft: 'If an entry is committed in a term, it is present in the logs of the leaders of all higher terms.',
    enforcedBy: [code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/election', 'atLeastAsUpToDate'), code('lib/invariants/raft', 'leaderCompleteness')],
    checkedBy: [check(MULTI, 'slot 812: a new leader keeps #8841'), check(RAFT_CHECK, 'vote-without-up-to-date-check'), check(SIDE, 'Raft: the node whose log lacks #8841 cannot win; the one holding it leads')],
  },
  {
    name: 'State Machine Safety',
    kind: 'raft-guarantee',
    neutral: 'No two replicas apply different commands at the same position.',
    paxos: 'Agreement per slot plus in-order application (LogPrefixAgreement).',
    raft: 'If a server has applied an entry at an index, no other server ever applies a different entry for that index.',
    enforcedBy: [code('lib/multipaxos/acceptor', 'onAccept'), code('lib/multipaxos/learner', 'advanceCommit'), code('lib/raft/commit', 'commitTo'), code('lib/invariants/raft', 'stateMachineSafety')],
    checkedBy: [check(LOG, 'LogPrefixAgreement'), check(RAFT_SIM, 'zero violations, linearizable histories, everything committed after the heal')],
  },
  {
    name: 'Who may drive the next command?',
    kind: 'engineer-question',
    neutral: 'Only the node that leads the newest epoch a quorum has accepted; older leaders are fenced.',
    paxos: 'The proposer whose ballot a phase-1 quorum promised; any higher prepare makes it abandon (rejected).',
    raft: 'The leader of the highest term, elected by a majority of votes; a higher term in any message makes it step down.',
    enforcedBy: [code('lib/paxos/proposer', 'onRejected'), code('lib/multipaxos/leader', 'observe'), code('lib/raft/node', 'deliverRaft'), code('lib/raft/step', 'Builder')],
    checkedBy: [check(MULTI, 'fences a stale leader'), check(MULTI, 'a higher ballot deposes the leader'), check(RAFT, 'a deposed leader answers indeterminate'), check(SIDE, "partitioned-leader: the stale epoch's proposal is never acknowledged nor committed, on both")],
  },
  {
    name: 'May a leader answer a read from its own state?',
    kind: 'engineer-question',
    neutral: 'Only after it confirms, after the read arrived, that a quorum still follows it, and once a decision of its own epoch is applied: otherwise a deposed or newly elected leader can miss an acknowledged write.',
    paxos: 'read-index: a heartbeat round acknowledged by a phase-2 quorum of the leader\'s ballot, and no read point below its own-ballot entry (the re-proposed merge, or a no-op); a lease instead rests on grants and a clock-drift bound.',
    raft: 'Section 8: the leader exchanges heartbeats with a majority before answering (read-index: a round of AppendEntries a majority acknowledged in its term, the Paxos confirmation of a ballot by a quorum of heartbeat acks), and first commits the blank no-op of its term (the Paxos new leader\'s own-ballot commit).',
    enforcedBy: [code('lib/multipaxos/reads', 'onRead'), code('lib/multipaxos/reads', 'onHeartbeatAck'), code('lib/raft/reads', 'settleReads'), code('lib/raft/reads', 'countReadAck'), code('lib/raft/reads', 'committedInTerm')],
    checkedBy: [
      check(READS, 'read-index: one heartbeat round acknowledged by a quorum'),
      check(READS, 'a history that is not linearizable within'),
      check(RAFT_READS, 'a leader cut off from the majority answers nothing'),
      check(RAFT_READS, 'commit[s] a blank no-op entry'),
      check(RAFT_SIM_READS, 'a history that is not linearizable first at seed'),
    ],
  },
  {
    name: 'May a leader answer a read without asking anyone?',
    kind: 'engineer-question',
    neutral: 'Only while a quorum has pledged to support no other leader for a time that its own clock, slowed by the worst drift it assumes, has not yet counted out: the answer rests on bounded clock drift, not on messages.',
    paxos: 'Master leases ("Paxos Made Live"): every heartbeat round a node acknowledges is a grant: it promises no other candidate and does not campaign for `ticks` of its clock; the leader holds the lease for (ticks - 2)(1 - d)/(1 + d) of its own ticks from the round\'s start, then falls back to a round.',
    raft: 'Section 8 and thesis 6.4.1 (etcd\'s lease-based reads with CheckQuorum): a follower that accepts the leader\'s AppendEntries grants it a lease: no vote for another candidate (it does not even take its term) and no election timeout until it runs out; the leader answers while a majority-acknowledged round\'s lease runs, once the no-op of its term is committed.',
    enforcedBy: [code('lib/multipaxos/reads', 'grantHeld'), code('lib/multipaxos/reads', 'leaseEnd'), code('lib/raft/reads', 'grantHeld'), code('lib/raft/reads', 'holdsLease'), code('lib/raft/state', 'raftLeaseTicks')],
    checkedBy: [
      check(READS, 'a follower that granted a lease promises no other candidate'),
      check(READS, 'lease: answered with no message while the lease runs'),
      check(RAFT_READS, 'a follower that granted a lease votes for no other candidate'),
      check(RAFT_READS, 'lease-without-grants: followers that vote before their grant ran out'),
      check(RAFT_READS, 'a lease past its drift bound'),
      check(RAFT_SIM_READS, 'zero violations, linearizable histories, settled after the heal'),
    ],
  },
  {
    name: 'May any node answer a read?',
    kind: 'engineer-question',
    neutral: 'Yes, from what it has applied, but the answer may miss acknowledged writes: it must say so, and no linearizability claim covers it.',
    paxos: 'A follower read: any node answers from its replica, the reply labelled stale; the simulator leaves such reads out of the linearizability check.',
    raft: 'A follower read from the state machine at its commitIndex, labelled stale (the Raft paper offers none; etcd calls these serializable reads).',
    enforcedBy: [code('lib/multipaxos/reads', 'onRead'), code('lib/raft/reads', 'onRead')],
    checkedBy: [check(READS, 'follower: any node answers from what it applied, labelled stale'), check(RAFT_READS, 'a follower read is answered at once')],
  },
  {
    name: 'What makes a slot durable?',
    kind: 'engineer-question',
    neutral: 'A quorum has durably accepted the same value for that position in one epoch.',
    paxos: 'A phase-2 quorum of acceptors accepted it in one ballot, each having persisted its vote first.',
    raft: 'The leader of the current term replicated the entry (or a later entry of its own term) on a majority.',
    enforcedBy: [code('lib/paxos/acceptor', 'onAccept'), code('lib/paxos/learner', 'onLearnerAccepted'), code('lib/raft/commit', 'leaderCommitIndex')],
    checkedBy: [check(PAPER, '"A value is chosen when a single proposal with that value has been accepted by a majority'), check(RAFT, '5.4.2: a leader of term 3 counting replicas of index')],
  },
  {
    name: 'Why must failover preserve history?',
    kind: 'engineer-question',
    neutral: 'A decision may exist that the old leader never reported; the new leader must find it and keep it.',
    paxos: 'P2c: the promises of a phase-1 quorum report every value that may have been chosen; the highest-ballot one is kept.',
    raft: 'Leader Completeness: only a candidate whose log is at least as up to date as a majority can win.',
    enforcedBy: [code('lib/paxos/proposer', 'chooseValue'), code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/election', 'atLeastAsUpToDate')],
    checkedBy: [check(PAPER, 'must learn the highest-numbered proposal'), check(MULTI, 'slot 812: a new leader keeps #8841'), check(SIDE, 'Raft: the node whose log lacks #8841 cannot win; the one holding it leads')],
  },
  {
    name: 'When does application state change?',
    kind: 'engineer-question',
    neutral: 'Only after a command is decided, and in log order; a client hears "done" after that.',
    paxos: 'A replica applies slot i once slots 0..i are learned as chosen; the leader replies after applying.',
    raft: 'A server applies entries up to commitIndex in index order (lastApplied); the leader replies after applying.',
    enforcedBy: [code('lib/machine/replica', 'applyCommand'), code('lib/raft/commit', 'commitTo')],
    checkedBy: [check(MULTI, 'counts the stages: proposed, quorum-acknowledged, committed, applied'), check(SIM, 'a value is chosen once faults stop'), check(RAFT, 'a follower commits up to min(leaderCommit, index of last new entry)')],
  },
  {
    name: 'Difference 1: how is a leader made unique per epoch?',
    kind: 'difference',
    neutral: 'An epoch number belongs to one node, and leading it takes the consent of a quorum; a newer epoch fences every older one.',
    paxos: 'A ballot (round, node) is owned by its node, so two candidates never share one; a phase-1 quorum of promises makes it leader; an acceptor refuses any lower ballot (`rejected`).',
    raft: 'A term is a plain number any server may campaign in; each server votes at most once per term (votedFor, persisted before the vote is sent), so a majority elects at most one leader; any message of a higher term makes a leader step down, and a request of a lower term is refused with the receiver\'s term.',
    enforcedBy: [code('lib/paxos/ballot', 'next'), code('lib/multipaxos/acceptor', 'onPrepare'), code('lib/multipaxos/leader', 'observe'), code('lib/raft/election', 'onRequestVote'), code('lib/raft/node', 'deliverRaft')],
    checkedBy: [
      check(SIDE, "partitioned-leader: the stale epoch's proposal is never acknowledged nor committed, on both"),
      check(RAFT, '(first come, first served)'),
      check(RAFT_CHECK, 'vote-not-persisted'),
      check(MULTI, 'fences a stale leader'),
    ],
  },
  {
    name: 'Difference 2: how does a new leader get every decided entry?',
    kind: 'difference',
    neutral: 'Any decided entry was stored by a quorum, and the new leader hears from a quorum: the two share a node, and the new leader must end up holding what that node holds.',
    paxos: 'Promises carry the voters\' accepted entries; the new leader merges them slot by slot (highest ballot wins, holes become no-ops) and re-proposes them in its own ballot: any node may win, and it learns what it lacks.',
    raft: 'Votes carry no entries: a voter grants its vote only to a candidate whose log is at least as up to date (last term, then length), so the winner already holds every committed entry and only sends (section 5.4.1); followers are brought to its log by AppendEntries, stepping nextIndex back on each refusal.',
    enforcedBy: [code('lib/multipaxos/leader', 'mergePromises'), code('lib/raft/election', 'atLeastAsUpToDate'), code('lib/raft/replication', 'onAppendReply')],
    checkedBy: [
      check(SIDE, 'Raft: the node whose log lacks #8841 cannot win; the one holding it leads'),
      check(MULTI, 'slot 812: a new leader keeps #8841'),
      check(RAFT_CHECK, 'vote-without-up-to-date-check'),
      check(RAFT, 'Figure 7 ('),
    ],
  },
  {
    name: 'Difference 3: when may an entry from an older epoch count as decided?',
    kind: 'difference',
    neutral: 'An entry stored by a quorum under an old epoch may still be replaced unless a newer leader has made it decided; counting copies of it is not enough.',
    paxos: 'The new leader re-proposes it in its own ballot; a phase-2 quorum of that ballot chooses it (Voting.tla), whatever epoch first proposed it.',
    raft: 'An entry keeps the term it was created in; the leader counts replicas only for entries of its current term, and older ones commit indirectly, under its own no-op (section 5.4.2). Counting an old-term entry is the Figure 8 bug.',
    enforcedBy: [code('lib/multipaxos/leader', 'propose'), code('lib/multipaxos/leader', 'countAck'), code('lib/raft/commit', 'leaderCommitIndex'), code('lib/raft/election', 'becomeLeader')],
    checkedBy: [
      check(SIDE, 'Raft: X, on a majority in a later term, is not committed by counting'),
      check(SIDE, 'Multi-Paxos: the new leader re-proposes X in its own ballot'),
      check(RAFT, '5.4.2: a leader of term 3 counting replicas of index'),
      check(RAFT_CHECK, 'figure8-commit-by-counting'),
    ],
  },
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The table as Markdown, one row per record. */
export function mappingMarkdown(records: readonly MappingRecord[] = MAPPING): string {
  const head = [
    '| Invariant | Neutral statement | Paxos / Multi-Paxos | Raft | Enforced by | Checked by |',
    '|---|---|---|---|---|---|',
  ];
  const rows = records.map((r) => {
    const enforced = r.enforcedBy.map((c) => `\`${c.module}\` \`${c.export}\``).join('<br>');
    const checked = r.checkedBy.map((c) => `\`${c.spec}\`: ${c.test}`).join('<br>');
    return `| **${cell(r.name)}** | ${cell(r.neutral)} | ${cell(r.paxos)} | ${cell(r.raft)} | ${cell(enforced)} | ${cell(checked)} |`;
  });
  return [...head, ...rows].join('\n');
}
