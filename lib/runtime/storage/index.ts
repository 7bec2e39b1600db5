/**
 * The storage of a real node: a write-ahead log of persist changes on disk (`FileLog`), the same
 * in memory for tests (`MemoryLog`), and recovery into each protocol's durable record.
 */
export { FileLog, DEFAULT_MAX_RECORD_SIZE } from './file-log';
export type { FileLogOptions, FileLogStats, SyncReport } from './file-log';
export { MemoryLog, MemoryDisk } from './memory-log';
export type { MemoryLogOptions } from './memory-log';
export { recoverMultiPaxos, recoverRaft, snapshotPolicy, multiPaxosCodecs, raftCodecs } from './recover';
export { jsonCodec } from './codec';
export type { Codec } from './codec';
export { CorruptRecordError, FORMAT_VERSION } from './format';
export type { StorageFs, StorageFile } from './fs';
export { nodeFs } from './fs';
