export * from './common';
export * from './multipaxos';
export * from './raft';
