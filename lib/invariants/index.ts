export * from './voting';
export * from './paxos';
export * from './log';
export * as raft from './raft';
