/**
 * The bug zoo (`synod/zoo`): named broken variants of the roles, never active by default.
 * Each is injected from outside (a role swapped, a rule changed), so a test of your own can
 * run one through the scripted cluster, the simulator or the checker and watch which
 * invariant catches it.
 */
export * from './paxos';
export * from './multipaxos';
export * from './raft';
