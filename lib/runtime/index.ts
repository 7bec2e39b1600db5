/**
 * The runtime: the same protocol roles as a real node, on a disk and on sockets. The seams
 * (`DurableLog`, `Transport`, contracts.ts), the file and memory logs (./storage), TCP and the
 * in-memory network (./transport), and the node itself (./node): the driver, the client API
 * and its client, the metrics, and the process that `synod node` runs.
 */
export type { DurableLog, Recovered, Transport, TransportStats } from './contracts';
export * from './storage';
export * from './transport';
export { NodeDriver, DEFAULT_TIMINGS, SILENT_LOGGER } from './node/driver';
export type { NodeDriverOptions, NodeLogger, NodeStatus, NodeTimings, Submitted } from './node/driver';
export { multiPaxosAdapter, raftAdapter, PROTOCOL_NAMES } from './node/adapter';
export type { BallotView, ClientReply, MultiPaxosAdapter, NodeView, Observed, ProtocolAdapter, ProtocolName, RaftAdapter, Rejection } from './node/adapter';
export { DEFAULT_PROTOCOL_TIMING, DEFAULT_TICK_MS, multiPaxosNodeAdapter, nodeAdapter, raftNodeAdapter } from './node/config';
export type { AdapterOptions, ProtocolTiming } from './node/config';
export { NodeMetrics } from './node/metrics';
export { AddressInUseError, commandSchema, createClientApi, harborOpSchema, listen, parseCommand, statusDocument } from './node/http';
export type { ApiNode, ClientApiOptions } from './node/http';
export { ClusterClient } from './node/client';
export type { ClusterAnswer, ClusterClientOptions } from './node/client';
export { clusterIdFromSecret, readSecret, startNode, LOG_LEVELS } from './node/process';
export type { LogLevel, NodeProcessConfig, RunningNode } from './node/process';
