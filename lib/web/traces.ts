/**
 * A trace file (`synod sim --trace`, `synod check --trace`; format: lib/sim/trace.ts) as a
 * session script: the nodes run with the configuration of the run that wrote it (the
 * simulator's or the model checker's, and its bug-zoo variant), and each event that moves the
 * cluster (deliver, drop, duplicate, timeout, request, crash, restart) is one step. The
 * session re-checks the invariants after every step, so a counterexample shows its violation
 * at the step where it breaks, found by lib/invariants on the replayed states.
 *
 * What a trace records without moving the cluster (send, persist, stage, ack, partition and
 * heal: the simulator records a partition's losses as drops) becomes the caption of the step.
 */
import type { NodeId } from '../core/types';
import { parseTraceFile } from '../sim/trace';
import { MULTIPAXOS_SMALLEST } from '../check/multipaxos';
import { RAFT_SMALLEST } from '../check/raft';
import type { RaftMutantName } from '../zoo/raft';
import type { Command } from '../machine/command';
import type { DecreeSetup, Op, ProtocolName, Script, SessionConfig } from './session';
import { decreeConfig } from './session';

type Msg = Op & { kind: 'deliver' } extends { message: infer M } ? M : never;

function positive(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

function checkNodes(protocol: ProtocolName, options: Readonly<Record<string, unknown>>): number {
  const given = positive(options.nodes);
  if (given !== undefined) return given;
  const mutant = options.mutant;
  if (typeof mutant === 'string') {
    if (protocol === 'multipaxos' && mutant in MULTIPAXOS_SMALLEST) return MULTIPAXOS_SMALLEST[mutant as keyof typeof MULTIPAXOS_SMALLEST].nodes ?? 3;
    if (protocol === 'raft' && mutant in RAFT_SMALLEST) return RAFT_SMALLEST[mutant as RaftMutantName].options.nodes;
  }
  return 3;
}

/** How many nodes the checker's single-decree configuration has (every role's node, as the protocol lists them). */
function decreeNodes(decree: DecreeSetup, mutant: string | undefined): number {
  const c = decreeConfig({ protocol: 'single-decree', nodes: 1, seed: 0, setting: 'check', decree, ...(mutant === undefined ? {} : { mutant }) });
  return new Set([...c.quorums.acceptors, ...c.proposers, ...c.learners]).size;
}

function node(e: Record<string, unknown>, line: number): NodeId {
  const n = positive(e.node);
  if (n === undefined) throw new Error(`line ${line}: a ${String(e.type)} event needs a node`);
  return n;
}

function message(e: Record<string, unknown>, line: number): Msg {
  const m = e.message as { from?: unknown; to?: unknown; type?: unknown } | undefined;
  if (typeof m !== 'object' || m === null || positive(m.from) === undefined || positive(m.to) === undefined || typeof m.type !== 'string') {
    throw new Error(`line ${line}: a ${String(e.type)} event needs a message with from, to and type`);
  }
  return m as Msg;
}

/**
 * Who plays which single-decree role in the run that wrote the trace: the checker's options as
 * `synod check` records them (absent ones: the mutant's smallest configuration, else the CLI's
 * defaults), or the simulator's proposer count.
 */
function decreeSetup(command: string, options: Readonly<Record<string, unknown>>): DecreeSetup {
  const pick = (key: keyof DecreeSetup & string): Partial<Record<string, number>> => {
    const v = positive(options[key]);
    return v === undefined ? {} : { [key]: v };
  };
  if (command !== 'check') return { ...pick('proposers') };
  const learners = options.learners === '0' || options.learners === 0 ? { learners: 0 } : pick('learners');
  return { ...pick('acceptors'), ...pick('proposers'), ...learners, ...pick('phase1'), ...pick('phase2'), ...(options.topology === 'separate' ? { separate: true } : {}) };
}

/** The script of a trace file; throws an Error with a one-line message for a file it cannot play. */
export function traceScript(text: string, title = 'trace'): Script {
  const { header, events } = parseTraceFile(text);
  const protocol = header.protocol;
  if (protocol !== 'multipaxos' && protocol !== 'raft' && protocol !== 'single-decree') throw new Error(`the web view draws single-decree Paxos, Multi-Paxos and Raft; this trace is of ${protocol}`);
  const options = header.options;
  const mutant = typeof options.mutant === 'string' ? options.mutant : undefined;
  const decree = protocol === 'single-decree' ? decreeSetup(header.command, options) : undefined;
  const nodes =
    protocol === 'single-decree'
      ? header.command === 'check'
        ? decreeNodes(decree!, mutant)
        : (positive(options.nodes) ?? 5)
      : header.command === 'check'
        ? checkNodes(protocol, options)
        : (positive(options.nodes) ?? 3);
  const snapshotEvery = protocol !== 'multipaxos'
    ? undefined
    : header.command === 'check'
      ? (mutant !== undefined && mutant in MULTIPAXOS_SMALLEST ? MULTIPAXOS_SMALLEST[mutant as keyof typeof MULTIPAXOS_SMALLEST].snapshotEvery : undefined)
      : positive(Number(header.options.snapshotEvery));
  const config: SessionConfig = {
    protocol,
    nodes,
    seed: header.seed ?? 0,
    setting: header.command === 'check' ? 'check' : 'sim',
    ...(mutant === undefined ? {} : { mutant }),
    ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
    ...(decree === undefined || Object.keys(decree).length === 0 ? {} : { decree }),
  };
  const ops: Op[] = [];
  let notes: string[] = [];
  const push = (op: Op): void => {
    ops.push(notes.length === 0 ? op : { ...op, caption: notes.join('; ') });
    notes = [];
  };
  const noteOnLast = (text: string): void => {
    const last = ops[ops.length - 1];
    if (last === undefined) notes.push(text);
    else ops[ops.length - 1] = { ...last, caption: last.caption === undefined ? text : `${last.caption}; ${text}` };
  };
  events.forEach((e, i) => {
    const line = i + 2;
    const at = `step ${String(e.step)}`;
    switch (e.type) {
      case 'deliver':
        push({ kind: 'deliver', message: message(e, line), caption: at });
        return;
      case 'drop':
        push({ kind: 'drop', message: message(e, line), caption: `${at}: lost (${String(e.reason ?? 'loss')})` });
        return;
      case 'duplicate':
        push({ kind: 'duplicate', message: message(e, line), caption: at });
        return;
      case 'timeout':
        push({ kind: 'timeout', node: node(e, line), caption: at });
        return;
      case 'request':
        if (e.lost === true) {
          notes.push(`${at}: a request to n${String(e.node)} was lost (node down)`);
          return;
        }
        push({ kind: 'request', node: node(e, line), command: e.command as Command<unknown>, caption: at });
        return;
      case 'crash': {
        const lost = typeof e.lostSends === 'number' && e.afterPersist === true ? e.lostSends : 0;
        push({ kind: 'crash', node: node(e, line), ...(lost > 0 ? { lostSends: lost } : {}), caption: at });
        return;
      }
      case 'restart':
        push({ kind: 'restart', node: node(e, line), caption: at });
        return;
      case 'violation':
        noteOnLast(`the run recorded VIOLATION ${String(e.invariant)}: ${String(e.description)}`);
        return;
      case 'partition':
        notes.push(`partition #${String(e.id)}: ${JSON.stringify(e.from)} / ${JSON.stringify(e.to)}`);
        return;
      case 'heal':
      case 'heal-partition':
        notes.push('partitions heal');
        return;
      default:
        // send, persist, stage, ack: what the replay recomputes itself.
        return;
    }
  });
  return { title: `${title}: ${header.command} ${protocol}${mutant === undefined ? '' : ` --mutant ${mutant}`}${header.what === undefined ? '' : ` (${header.what})`}`, config, setup: [], ops };
}
