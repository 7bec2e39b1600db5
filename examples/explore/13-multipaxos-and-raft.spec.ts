/**
 * Experiment 13 (docs/exploring.md): the same schedule under Multi-Paxos and under Raft.
 * Question: harbor-2 leads; #8841 is stored by harbor-1 and harbor-2 only, and harbor-2 crashes
 * before anyone hears that it was decided. Who may lead next, and how does #8841 survive?
 * Multi-Paxos: any node may win, and the merge of its promises finds #8841. Raft: only a node
 * whose log is at least as up to date may win (section 5.4.1), so the winner already holds it.
 */
import { expect } from 'chai';
import type { BookingOp, BookingResult, BookingState, Command, NodeId } from '../../lib/index';
import { bookingAuthority, Cluster, commandKey, invariants, multipaxos, paxos, raft } from '../../lib/index';
import { multiPaxosMutant, raftMutant } from '../../lib/zoo/index';

const A: Command<BookingOp> = { client: 'terminal-a', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8841' } };

type MpMessage = multipaxos.MultiMessage<BookingOp>;
type RaftMessage = raft.RaftMessage<BookingOp>;

/** Multi-Paxos on the scripted cluster, with the log invariants over every message and ack. */
function multiPaxosRun(roles: multipaxos.Roles = multipaxos.REAL_ROLES) {
  const config: multipaxos.MultiPaxosConfig<BookingState, BookingOp, BookingResult> = {
    quorums: paxos.quorumSystemOrThrow({ acceptors: [1, 2, 3] }),
    machine: bookingAuthority,
    window: 1,
    batch: 1,
    heartbeat: 1,
    electionTimeout: 3,
    seed: 812,
    startRound: 40,
  };
  const cluster = new Cluster(multipaxos.multiPaxosProtocol(config, roles));
  const seen: MpMessage[] = [];
  const acks: invariants.Ack[] = [];
  cluster.on((e) => {
    if (e.type !== 'effect') return;
    const m = multipaxos.observedMessage(e.effect);
    if (m !== null) seen.push(m);
    if (e.effect.type === 'reply' && e.effect.reply.status === 'ok') acks.push(e.effect);
  });
  const elect = (node: NodeId, among: readonly NodeId[]): void => {
    while (cluster.state(node).leader.role === 'follower') cluster.timeout(node);
    cluster.deliverAll((m) => (m.type === 'prepare' || m.type === 'promise') && among.includes(m.from) && among.includes(m.to));
  };
  const violations = () =>
    invariants.checkLog({
      quorums: config.quorums,
      nodes: [1, 2, 3].map((id) => {
        const s = cluster.state(id);
        return { id, promised: s.acceptor.maxBal, votes: s.acceptor.votes, log: s.learner.log, commit: s.learner.commit };
      }),
      messages: [...cluster.sent, ...seen],
      requested: cluster.requests,
      acks,
    });
  return { cluster, elect, violations };
}

/** Raft on the scripted cluster, with Raft's invariants over every message and commit. */
function raftRun(handlers: raft.RaftHandlers<BookingState, BookingOp, BookingResult> = raft.raftHandlers()) {
  const config: raft.RaftConfig<BookingState, BookingOp, BookingResult> = { servers: [1, 2, 3], machine: bookingAuthority, heartbeat: 1, electionTimeout: 3, seed: 812 };
  const cluster = new Cluster(raft.raftProtocol(config, handlers));
  const commits: invariants.raft.Commit<BookingOp>[] = [];
  const acks: invariants.raft.RaftAck[] = [];
  cluster.on((e) => {
    if (e.type !== 'effect') return;
    if (e.effect.type === 'chosen') commits.push({ node: e.node, index: e.effect.slot, entry: e.effect.value });
    if (e.effect.type === 'reply' && e.effect.reply.status === 'ok') acks.push({ node: e.node, client: e.effect.client, seq: e.effect.seq });
  });
  const campaign = (node: NodeId): void => {
    while (cluster.state(node).role === 'follower') cluster.timeout(node);
  };
  const violations = () =>
    invariants.raft.checkRaft({ servers: [1, 2, 3].map((id) => cluster.state(id)), messages: cluster.sent as RaftMessage[], commits, acks });
  return { cluster, campaign, violations };
}

const holds8841 = (entries: readonly (multipaxos.Entry<BookingOp> | raft.RaftEntry<BookingOp> | undefined)[]): boolean =>
  entries.some((e) => e !== undefined && ((e.kind === 'batch' && e.commands.some((c) => commandKey(c) === commandKey(A))) || (e.kind === 'command' && commandKey(e.command) === commandKey(A))));

describe('explore 13: the same schedule under Multi-Paxos and Raft', () => {
  it('Multi-Paxos: harbor-3, whose log lacks #8841, may lead; the merge finds #8841 in harbor-1\'s promise and re-proposes it in its own ballot', () => {
    const { cluster, elect, violations } = multiPaxosRun();
    elect(2, [1, 2, 3]);
    cluster.request(2, A);
    cluster.deliverAll((m) => m.type === 'accept' && m.to === 1);
    cluster.drop(() => true); // harbor-1's accepted never reaches harbor-2
    cluster.crash(2);
    expect(cluster.state(1).acceptor.votes.size, 'harbor-1 voted for slot 0').to.equal(1);
    expect(cluster.state(3).acceptor.votes.size, 'harbor-3 never saw #8841').to.equal(0);

    elect(3, [1, 3]);
    expect(cluster.state(3).leader.role).to.equal('leader');
    const reproposal = cluster.inFlight.find((m): m is multipaxos.MultiAccept<BookingOp> => m.type === 'accept' && m.from === 3 && m.slot === 0);
    expect(reproposal === undefined ? null : paxos.ballot.format(reproposal.ballot)).to.equal(paxos.ballot.format(cluster.state(3).leader.ballot));
    expect(holds8841([reproposal?.value])).to.equal(true);

    cluster.deliverAll((m) => m.to !== 2);
    cluster.timeout(3); // a heartbeat carries the commit point to harbor-1
    cluster.deliverAll((m) => m.to !== 2);
    for (const id of [1, 3]) expect(cluster.state(id).learner.replica.machine['S12']?.booking, `harbor-${id}`).to.equal('#8841');
    expect(violations()).to.deep.equal([]);
  });

  it('Raft: harbor-1 refuses harbor-3 its vote (its log is less up to date); harbor-1 leads, and #8841 keeps its original term', () => {
    const { cluster, campaign, violations } = raftRun();
    campaign(2);
    cluster.deliverAll();
    expect(cluster.state(2).role).to.equal('leader');
    const term = cluster.state(2).currentTerm;
    cluster.request(2, A);
    cluster.deliverAll((m) => m.type === 'append-entries' && m.to === 1);
    cluster.drop(() => true); // harbor-1's reply never reaches harbor-2
    cluster.crash(2);
    expect(holds8841(raft.entriesBetween(cluster.state(1).log, 1, raft.lastIndex(cluster.state(1).log)))).to.equal(true);
    expect(holds8841(raft.entriesBetween(cluster.state(3).log, 1, raft.lastIndex(cluster.state(3).log)))).to.equal(false);

    campaign(3);
    cluster.deliverAll((m) => m.to !== 2);
    const refusal = cluster.sent.find((m): m is raft.VoteReply => m.type === 'vote' && m.from === 1 && m.to === 3);
    expect(refusal?.granted, 'harbor-1 denies harbor-3').to.equal(false);
    expect(cluster.state(3).role).to.not.equal('leader');

    campaign(1);
    cluster.deliverAll((m) => m.to !== 2);
    expect(cluster.state(1).role).to.equal('leader');
    for (let i = 0; i < 3; i += 1) {
      cluster.timeout(1);
      cluster.deliverAll((m) => m.to !== 2);
    }
    const log = cluster.state(3).log;
    const at = raft.entriesBetween(log, 1, raft.lastIndex(log)).find((e) => holds8841([e]));
    expect(at?.term, '#8841 keeps the term harbor-2 created it in').to.equal(term);
    for (const id of [1, 3]) expect(cluster.state(id).replica.machine['S12']?.booking, `harbor-${id}`).to.equal('#8841');
    expect(violations()).to.deep.equal([]);
  });

  it('break either rule and #8841 is lost: a merge that ignores the promises; a vote without the up-to-date check (once harbor-2 committed it)', () => {
    const skips = multiPaxosRun(multiPaxosMutant('new-leader-skips-merge')!.roles);
    skips.elect(2, [1, 2, 3]);
    skips.cluster.request(2, A);
    skips.cluster.deliverAll((m) => m.type === 'accept' && m.to === 1);
    skips.cluster.drop(() => true);
    skips.cluster.crash(2);
    skips.elect(3, [1, 3]);
    skips.cluster.request(3, { client: 'terminal-b', seq: 1, op: { type: 'reserve', suite: 'S12', booking: '#8849' } });
    skips.cluster.deliverAll((m) => m.to !== 2);
    expect(skips.violations().map((v) => v.invariant)).to.include('VotesSafe');

    const blind = raftRun(raftMutant('vote-without-up-to-date-check')!.handlers());
    blind.campaign(2);
    blind.cluster.deliverAll();
    blind.cluster.request(2, A);
    blind.cluster.deliverAll((m) => (m.type === 'append-entries' && m.to === 1) || (m.type === 'append-reply' && m.to === 2));
    expect(blind.cluster.state(2).commitIndex, 'here harbor-2 did hear harbor-1: #8841 is committed, terminal A told done').to.equal(2);
    blind.cluster.drop(() => true);
    blind.cluster.crash(2);
    blind.campaign(3);
    blind.cluster.deliverAll((m) => m.to !== 2);
    expect(blind.cluster.state(3).role, 'harbor-1 votes for the less up-to-date harbor-3').to.equal('leader');
    expect(blind.violations().map((v) => v.invariant), 'a committed entry is replaced at index 2').to.include('Agreement');
  });
});
