/**
 * `synod demo --trace FILE`: one Harbor Point story written as a trace (lib/sim/trace.ts), so
 * `synod trace`, `synod trace --mermaid`, `synod explain` and `synod replay` read it as they
 * read a simulator run. The stories are scripted and seeded: the same story and seed write
 * the same bytes.
 */
import type { Effect } from '../paxos/effects';
import { formatMessage } from '../paxos/format';
import type { Message } from '../paxos/messages';
import * as ballots from '../paxos/ballot';
import { crashAfterQuorum, crashBeforeQuorum, harborName, race } from '../demo/single-decree';
import type { Story } from '../demo/single-decree';
import { harborPointLog, staleLeaderFencing } from '../demo/multipaxos';
import type { MultiEffect } from '../multipaxos/state';
import type { MultiMessage } from '../multipaxos/messages';
import type { Command } from '../machine/command';
import { clusterTrace } from '../sim/cluster-trace';
import { showEntry } from '../sim/explain';
import { multiPaxosStage } from '../sim/multipaxos-subject';
import type { TraceEvent } from '../sim/trace';
import * as fs from 'node:fs';
import { UsageError } from './args';
import type { DemoStory } from './demo-stories';
import { traceFileText } from '../sim/trace';
import { synodVersion } from './version';

export { demoStory } from './demo-stories';

export interface DemoTrace {
  readonly protocol: 'single-decree' | 'multipaxos';
  readonly nodes: number;
  readonly events: readonly TraceEvent[];
}

function singleDecree(story: Story): DemoTrace {
  const events = clusterTrace(story.events, {
    change: (e: Effect<string>) => (e.type === 'persist' ? { role: e.role, record: e.record } : null),
    stage: (_node, e) => {
      if (e.type === 'stage') return { stage: e.stage, slot: e.slot, value: e.value, ...(e.ballot === null ? {} : { ballot: ballots.format(e.ballot) }) };
      if (e.type === 'chosen') return { stage: 'chosen', slot: e.slot, value: e.value, ballot: ballots.format(e.ballot) };
      return null;
    },
    reply: () => null,
    client: (c) => String(c),
  });
  return { protocol: 'single-decree', nodes: 3, events };
}

function multiPaxos(events: Parameters<typeof clusterTrace<MultiMessage<unknown>, MultiEffect<unknown, unknown>, Command<unknown>>>[0]): DemoTrace {
  return {
    protocol: 'multipaxos',
    nodes: 3,
    events: clusterTrace(events, {
      change: (e) => (e.type === 'persist' ? e.change : null),
      stage: (_node, e) => multiPaxosStage(e),
      reply: (_node, e) => (e.type === 'reply' ? { client: e.client, seq: e.seq, status: e.reply.status, ...(e.reply.status === 'ok' ? { result: e.reply.result } : {}) } : null),
      client: (c) => (c as Command<unknown>).client,
    }),
  };
}

/** The story's trace: its protocol and its events. */
export function demoTrace(story: DemoStory, seed: number): DemoTrace {
  switch (story) {
    case 'race':
      return singleDecree(race(seed));
    case 'after-quorum':
      return singleDecree(crashAfterQuorum(seed));
    case 'before-quorum':
      return singleDecree(crashBeforeQuorum(seed));
    case 'log':
      return multiPaxos(harborPointLog().events);
    case 'fencing':
      return multiPaxos(staleLeaderFencing().events);
    default: {
      const never: never = story;
      throw new UsageError(`unknown story ${String(never)}`);
    }
  }
}

/** How a demo trace names its messages: harbor-N, and bookings as the stories say them. */
export function demoDescriber(protocol: string): (m: unknown) => string {
  if (protocol === 'single-decree') return (m) => formatMessage(m as Message<string>, harborName);
  return (raw) => {
    const m = raw as MultiMessage<unknown>;
    const head = `${harborName(m.from)} -> ${harborName(m.to)} : ${m.type} ${ballots.format(m.ballot)}`;
    switch (m.type) {
      case 'prepare':
        return `${head} for every slot from ${m.slot}`;
      case 'promise': {
        const shown = m.entries.slice(0, 3).map((v) => `slot ${v.slot}: accepted ${showEntry(v.value)} in ${ballots.format(v.ballot)}`);
        if (m.entries.length > 3) shown.push(`${m.entries.length - 3} more`);
        return `${head}${shown.length === 0 ? ' (no votes)' : ` (${shown.join(', ')})`}`;
      }
      case 'accept':
        return `${head} slot ${m.slot} = ${showEntry(m.value)}`;
      case 'accepted':
        return `${head} slot ${m.slot} = ${showEntry(m.value)}`;
      case 'rejected':
        return `${head} slot ${m.slot}: refused, promised ${ballots.format(m.promised)}`;
      case 'heartbeat':
        return `${head} commit ${m.commit}`;
      case 'catchup':
        return `${head} from slot ${m.slot}`;
      case 'learn':
        return `${head} slots ${m.slot}..${m.slot + m.values.length - 1}`;
      default:
        return JSON.stringify(m);
    }
  };
}

/** The header and events of a demo trace file (the same story and seed give the same bytes). */
export function demoTraceText(story: DemoStory, seed: number, file: string): { text: string; protocol: string; events: number } {
  const trace = demoTrace(story, seed);
  const text = traceFileText(
    {
      synod: synodVersion(),
      command: 'demo',
      protocol: trace.protocol,
      seed,
      options: { story, seed: String(seed), nodes: String(trace.nodes) },
      reproduce: `synod demo --seed ${seed} --story ${story} --trace ${file}`,
    },
    trace.events,
  );
  return { text, protocol: trace.protocol, events: trace.events.length };
}

export function writeDemoTrace(file: string, story: DemoStory, seed: number): { protocol: string; events: number } {
  const { text, protocol, events } = demoTraceText(story, seed, file);
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { protocol, events };
}

