/**
 * Replicated state machines, and the client sessions in front of them.
 *
 * Every replica applies the chosen commands in log order to a deterministic state machine, so
 * every replica computes the same states and the same results ("Paxos Made Simple", section
 * 3: "a collection of servers, each independently implementing the state machine"). Two
 * machines sit behind one interface: a key-value store and the Harbor Point booking
 * authority. Reads are commands in the log too, so a read returns the state after every
 * command ordered before it: linearizable by construction, at the price of a round trip
 * through phase 2 (leases come later).
 *
 * Sessions make retries safe. A command carries (client id, sequence number); a client has one
 * command outstanding at a time and numbers them 1, 2, 3, ... A replica remembers, per client,
 * the last sequence number it applied and that command's result. A command whose number is
 * that one is a retry: it is not applied again, and its first result is returned. A lower
 * number is a command the client has given up on: it is never applied.
 */
import type { Command } from './command';
import type { HashMap } from '../core/hashmap';
import { emptyMap, lookup, MapEditor } from '../core/hashmap';

export interface StateMachine<S, Op, R> {
  readonly name: string;
  init(): S;
  /** Pure and deterministic: the same state and operation give the same state and result. */
  apply(state: S, op: Op): { readonly state: S; readonly result: R };
  /**
   * Optional, for speed: the same as `apply` on each operation in turn, for a machine that can
   * share work between the operations of one slot.
   */
  applyAll?(state: S, ops: readonly Op[]): { readonly state: S; readonly results: readonly R[] };
}

export interface Session<R> {
  readonly seq: number;
  readonly result: R;
}

/** The session table: client id -> last session (a persistent hash map, so it scales to many clients). */
export type Sessions<R> = HashMap<Session<R>>;

/** A replica's application state: the machine and the session table. */
export interface Replica<S, R> {
  readonly machine: S;
  readonly sessions: Sessions<R>;
}

export type Applied<R> =
  | { readonly outcome: 'applied'; readonly result: R }
  | { readonly outcome: 'duplicate'; readonly result: R }
  | { readonly outcome: 'stale' };

export function initReplica<S, Op, R>(machine: StateMachine<S, Op, R>): Replica<S, R> {
  return { machine: machine.init(), sessions: emptyMap() };
}

/** Applies one command at most once per session. */
export function applyCommand<S, Op, R>(
  machine: StateMachine<S, Op, R>,
  replica: Replica<S, R>,
  command: Command<Op>,
): { readonly replica: Replica<S, R>; readonly applied: Applied<R> } {
  const batch = applyBatch(machine, replica, [command]);
  return { replica: batch.replica, applied: batch.applied[0]! };
}

/** Applies a slot's commands in order, each at most once per session. */
export function applyBatch<S, Op, R>(
  machine: StateMachine<S, Op, R>,
  replica: Replica<S, R>,
  commands: readonly Command<Op>[],
): { readonly replica: Replica<S, R>; readonly applied: readonly Applied<R>[] } {
  const sessions = new MapEditor(replica.sessions);
  const outcomes: (Applied<R> | number)[] = [];
  const ops: Op[] = [];
  for (const command of commands) {
    const session = sessions.get(command.client);
    if (session !== undefined && command.seq <= session.seq) {
      outcomes.push(command.seq === session.seq ? { outcome: 'duplicate', result: session.result } : { outcome: 'stale' });
      continue;
    }
    // The result is not known yet: remember which operation it is, and claim the session now,
    // so that a second copy of the command in the same slot is recognised as a duplicate.
    outcomes.push(ops.length);
    sessions.set(command.client, { seq: command.seq, result: PENDING as R });
    ops.push(command.op);
  }
  if (ops.length === 0) return { replica, applied: outcomes as Applied<R>[] };
  let state = replica.machine;
  let results: readonly R[];
  if (machine.applyAll !== undefined) {
    ({ state, results } = machine.applyAll(state, ops));
  } else {
    const out: R[] = [];
    for (const op of ops) {
      const next = machine.apply(state, op);
      state = next.state;
      out.push(next.result);
    }
    results = out;
  }
  const applied: Applied<R>[] = [];
  outcomes.forEach((o, i) => {
    if (typeof o !== 'number') {
      applied.push(o.outcome === 'duplicate' && o.result === PENDING ? { outcome: 'duplicate', result: results[pendingOf(outcomes, commands, i)]! } : o);
      return;
    }
    const result = results[o]!;
    sessions.set(commands[i]!.client, { seq: commands[i]!.seq, result });
    applied.push({ outcome: 'applied', result });
  });
  return { replica: { machine: state, sessions: sessions.done() }, applied };
}

/** A placeholder result, for a session claimed by a command of this batch not yet applied. */
const PENDING: unknown = Object.freeze({ pending: true });

/** The operation index of the earlier command of this batch that `i` duplicates. */
function pendingOf<R>(outcomes: readonly (Applied<R> | number)[], commands: readonly Command<unknown>[], i: number): number {
  const c = commands[i]!;
  for (let j = i - 1; j >= 0; j -= 1) {
    const o = outcomes[j];
    if (typeof o === 'number' && commands[j]!.client === c.client && commands[j]!.seq === c.seq) return o;
  }
  throw new Error('synod: a duplicate within a batch has no original');
}

/** The answer a replica already has for a command, if it applied it (or a later one). */
export function cachedResult<R>(replica: Replica<unknown, R>, command: Command<unknown>): Applied<R> | null {
  const session = lookup(replica.sessions, command.client);
  if (session === undefined || command.seq > session.seq) return null;
  return command.seq === session.seq ? { outcome: 'duplicate', result: session.result } : { outcome: 'stale' };
}

/** The default of a machine's exhaustive switch over its operations: an operation it does not know. */
export function unknownOp(op: never): never {
  throw new Error(`synod: unknown state machine operation ${JSON.stringify(op)}`);
}
