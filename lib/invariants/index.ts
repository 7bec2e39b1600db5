export * from './voting';
export * from './paxos';
