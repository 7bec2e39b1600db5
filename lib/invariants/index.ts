export * from './voting';
export * from './paxos';
export * from './log';
export * from './reads';
export * as raft from './raft';
