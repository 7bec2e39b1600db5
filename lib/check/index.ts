/**
 * The model checker's public surface (`synod/check`): exhaustive checks of small
 * configurations of the same role code, the single-decree and Multi-Paxos models, the bug
 * zoo as the checker sees it, and the linearizability checker for client histories.
 */
export type {
  Action,
  AlwaysProperty,
  CheckOptions,
  CheckResult,
  Codec,
  Counterexample,
  Finding,
  Model,
  NetworkModel,
  Progress,
  SometimesProperty,
  SometimesResult,
  StepProperty,
  TraceStep,
} from './model-checker';
export { check, formatTrace, NETWORK_MODELS } from './model-checker';
export type { CheckReport, CheckRun, ResolvedConfig, SometimesReport, ViolationReport } from './report';
export { checkSingleDecree, checkSingleDecreeOrThrow, describeConfig, passed, reportLines } from './report';
export type { Assignment, PaxosModel, SingleDecreeOptions, Topology } from './paxos';
export { ASSIGNMENTS, paxosInvariants, showMessage, singleDecreeModel, singleDecreeModelOrThrow, TOPOLOGIES, valueChosen, valueLearned } from './paxos';
export type { MultiPaxosCheckOptions, MultiPaxosModel, MultiPaxosResolvedConfig, MultiPaxosRun } from './multipaxos';
export { checkMultiPaxos, checkMultiPaxosOrThrow, multiPaxosModel, multiPaxosReportLines } from './multipaxos';
export type { ZooEntry } from './zoo';
export { readZooEntries, registerMutant, zooEntries, zooEntry } from './zoo';
export type { HistoryF, HistoryRecord, HistoryType, KeyVerdict, Scalar, Verdict } from '../history/linearizability';
export { checkHistory, checkKey } from '../history/linearizability';
