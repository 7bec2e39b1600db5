/**
 * The monitor predicate by predicate, on hand-built histories: each case breaks exactly one
 * part of one invariant (some parts never break alone in a simulated run, because another
 * invariant fails at the same step), and the monitor must name what `checkPaxos` names.
 */
import { expect } from 'chai';
import { checkPaxos } from '../../lib/invariants/paxos';
import type { Ballot } from '../../lib/paxos/ballot';
import type { Message, Vote } from '../../lib/paxos/messages';
import type { NodeState } from '../../lib/paxos/node';
import { initNode } from '../../lib/paxos/node';
import { PaxosMonitor } from '../../lib/sim/paxos-monitor';
import { paxosConfig } from '../../lib/sim/paxos-subject';

const config = paxosConfig({ nodes: 3 });
const b = (round: number, node: number): Ballot => ({ round, node });

/** A history: node states, messages and commands, fed to both the monitor and the definition. */
class World {
  readonly nodes: NodeState<string>[] = [1, 2, 3].map((id) => initNode<string>(config, id));
  readonly messages: Message<string>[] = [];
  readonly proposed: string[] = ['x', 'y'];
  readonly monitor = new PaxosMonitor<string>(config, [1, 2, 3]);

  constructor() {
    this.nodes.forEach((n, i) => this.monitor.state(i, n));
    this.proposed.forEach((c) => this.monitor.command(c));
  }

  acceptor(id: number, promised: Ballot, accepted: Vote<string> | null): this {
    const n = this.nodes[id - 1]!;
    this.nodes[id - 1] = { ...n, acceptor: { ...n.acceptor!, promised, accepted } };
    this.monitor.state(id - 1, this.nodes[id - 1]!);
    return this;
  }

  learned(id: number, value: string): this {
    const n = this.nodes[id - 1]!;
    this.nodes[id - 1] = { ...n, learner: { ...n.learner!, chosen: { ballot: b(1, 1), value } } };
    this.monitor.state(id - 1, this.nodes[id - 1]!);
    return this;
  }

  send(m: Message<string>): this {
    this.messages.push(m);
    this.monitor.sent(m);
    return this;
  }

  vote(from: number, ballot: Ballot, value: string): this {
    return this.acceptor(from, ballot, { ballot, value }).send({ type: 'accepted', from, to: 1, slot: 1, ballot, value });
  }

  promise(from: number, ballot: Ballot, accepted: Vote<string> | null): this {
    return this.send({ type: 'promise', from, to: ballot.node, slot: 1, ballot, accepted });
  }

  expectSame(names: string[]): void {
    const definition = checkPaxos({ config, nodes: this.nodes, messages: this.messages, proposed: this.proposed }).map((v) => v.invariant);
    expect(definition, 'the case breaks what it says').to.deep.equal(names);
    expect(this.monitor.failing()).to.deep.equal(names);
    expect(this.monitor.violated()).to.equal(names.length > 0);
  }
}

describe('sim: the monitor, predicate by predicate', () => {
  it('a correct ballot breaks nothing', () => {
    const w = new World();
    for (const a of [1, 2, 3]) w.acceptor(a, b(1, 1), null).promise(a, b(1, 1), null);
    w.vote(1, b(1, 1), 'x').vote(2, b(1, 1), 'x').learned(3, 'x');
    w.expectSame([]);
  });

  it('Agreement: two learners learn different values', () => {
    new World().learned(1, 'x').learned(2, 'y').expectSame(['Agreement']);
  });

  it('Validity: a learner learns a value nobody proposed', () => {
    new World().learned(1, 'z').expectSame(['Validity']);
  });

  it('OneValuePerBallot: one ballot, two accept requests with different values', () => {
    const w = new World();
    w.send({ type: 'accept', from: 1, to: 2, slot: 1, ballot: b(1, 1), value: 'x' });
    w.send({ type: 'accept', from: 1, to: 3, slot: 1, ballot: b(1, 1), value: 'y' });
    w.expectSame(['OneValuePerBallot']);
  });

  it('PromiseKept (a): an accepted ballot above the promise', () => {
    const w = new World();
    for (const a of [1, 2, 3]) w.acceptor(a, b(2, 1), null);
    w.acceptor(1, b(1, 1), { ballot: b(2, 1), value: 'x' });
    w.expectSame(['PromiseKept']);
  });

  it('PromiseKept (b): an acceptor forgets a promise it sent', () => {
    const w = new World();
    w.acceptor(1, b(3, 1), null).promise(1, b(3, 1), null).acceptor(1, b(2, 1), null);
    w.expectSame(['PromiseKept']);
  });

  it('PromiseKept (c): a vote strictly between a promise\'s report and its ballot', () => {
    const w = new World();
    for (const a of [1, 2, 3]) w.acceptor(a, b(5, 1), null);
    w.promise(2, b(5, 1), null);
    w.send({ type: 'accepted', from: 2, to: 1, slot: 1, ballot: b(3, 1), value: 'x' });
    w.acceptor(2, b(5, 1), { ballot: b(3, 1), value: 'x' });
    for (const a of [1, 3]) w.acceptor(a, b(5, 1), null);
    w.expectSame(['PromiseKept']);
  });

  it('VotesSafe (i): a vote without a phase-1 quorum behind its ballot', () => {
    new World().vote(1, b(1, 1), 'x').expectSame(['VotesSafe']);
  });

  it('VotesSafe (ii): a vote for y above a ballot that could still choose x', () => {
    const w = new World();
    w.vote(1, b(1, 1), 'x');
    for (const a of [2, 3]) w.acceptor(a, b(2, 2), null);
    w.acceptor(1, b(2, 2), { ballot: b(1, 1), value: 'x' });
    w.vote(2, b(2, 2), 'y');
    // Acceptor 3 has promised 2.2 without voting in 1.1, acceptor 1 voted x there: with a
    // phase-1 quorum of 2, one acceptor ruling x out of ballot 1.1 is not enough.
    w.acceptor(3, b(1, 1), null);
    w.expectSame(['VotesSafe']);
    // Acceptor 3 promises 2.2 after all: ballot 1.1 can no longer choose x, the vote is safe.
    w.acceptor(3, b(2, 2), null);
    w.expectSame([]);
  });
});
