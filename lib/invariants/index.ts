export * from './voting';
export * from './paxos';
export * from './log';
