/**
 * The package's main entry point, `synod`: what a test of your own needs to explore Paxos by
 * hand. The kernel (`Protocol`, `Step`, `NodeId`, the seeded generator, persistent vector and
 * map) and the replicated state machines (commands, sessions, the key-value store, the Harbor
 * Point booking authority) are exported flat; each protocol and the invariants are a namespace,
 * because their roles share names (`record`, `Effect`, message types):
 *
 *   import { paxos, multipaxos, raft, invariants, Cluster } from 'synod';
 *   const step = paxos.onPrepare(paxos.initAcceptor(1, [1, 2, 3]), prepare);
 *
 * Everything is re-exported through each folder's own index, so a role file can be split or
 * renamed without changing this surface. The simulator is `synod/sim`, the model checker,
 * the linearizability checker and the bug zoo's checks are `synod/check`, and the broken
 * variants themselves are `synod/zoo`.
 */
export * from './core';
export * from './machine';
export * as paxos from './paxos';
export * as multipaxos from './multipaxos';
export * as raft from './raft';
export * as invariants from './invariants';
export type { ClusterEvent } from './harness/cluster';
export { Cluster } from './harness/cluster';
