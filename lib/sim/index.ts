/**
 * The simulator's public surface. A protocol layer that wants to be simulated implements
 * `Subject` (./subject.ts, documented member by member) and adds a `SubjectEntry` to
 * ./registry.ts; everything else here is for drivers, specs and benchmarks.
 */
export type { AnySubject, Monitor, Snapshot, StageEvent, StageName, Subject } from './subject';
export type { CheckMode, Range, ScheduledPartition, SimOptions } from './options';
export { DEFAULTS, simOptions, validate } from './options';
export { allFaults, contention } from './profiles';
export type { EndedBy, RunControl, SimResult, SimStats, SimViolation } from './simulator';
export { simulate } from './simulator';
export type { DropReason, TraceEvent, TraceEventType, TraceSink } from './trace';
export { formatEvent, TraceRecorder } from './trace';
export type { Replayed } from './replay';
export { replay } from './replay';
export type { Shrunk } from './shrink';
export { shrink } from './shrink';
export type { Distribution, Failure, LivenessSummary } from './summary';
export { distribution, percentile, Summary } from './summary';
export type { SubjectEntry, SubjectOptions } from './registry';
export { registerSubject, singleDecree, subjectEntry, subjectNames } from './registry';
export type { PaxosSubject, PaxosSubjectOptions } from './paxos-subject';
export { paxosConfig, paxosSubject } from './paxos-subject';
export { countChosen, PaxosMonitor } from './paxos-monitor';
