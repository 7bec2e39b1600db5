/**
 * One readable line per Multi-Paxos message, the way the simulator's traces and the model
 * checker's counterexamples print them: `n1 -> n2 : accept ballot 41.1 slot 3 = {...} commit 2`.
 * The one `describeMessage` of the layer (lib/sim and lib/check both import it from here).
 */
import * as ballots from '../paxos/ballot';
import { assertNever } from '../core/types';
import type { HashMap } from '../core/hashmap';
import { toObject } from '../core/hashmap';
import type { MultiMessage } from './messages';

export function describeMessage<Op>(m: MultiMessage<Op>): string {
  const head = `n${m.from} -> n${m.to} : ${m.type} ballot ${ballots.format(m.ballot)}`;
  switch (m.type) {
    case 'prepare':
      return `${head} from slot ${m.slot}`;
    case 'promise':
      return `${head} from slot ${m.slot} (${m.entries.length} votes${m.snapshot === undefined ? '' : `, a snapshot of slots below ${m.snapshot.slot}`})`;
    case 'accept':
      return `${head} slot ${m.slot} = ${JSON.stringify(m.value)} commit ${m.commit}`;
    case 'accepted':
      return `${head} slot ${m.slot}`;
    case 'rejected':
      return `${head} (promised ${ballots.format(m.promised)})`;
    case 'heartbeat':
      return m.round === undefined ? `${head} commit ${m.commit}` : `${head} commit ${m.commit} round ${m.round}`;
    case 'heartbeat-ack':
      return `${head} round ${m.round}`;
    case 'catchup':
      return `${head} from slot ${m.slot}`;
    case 'learn':
      return `${head} slots ${m.slot}..${m.slot + m.values.length - 1} commit ${m.commit}`;
    case 'snapshot':
      return `${head} applied state of slots below ${m.slot} (${countSessions(m.replica.sessions)} client sessions)`;
    default:
      return assertNever(m, 'message');
  }
}

function countSessions(sessions: HashMap<unknown>): number {
  return Object.keys(toObject(sessions)).length;
}
