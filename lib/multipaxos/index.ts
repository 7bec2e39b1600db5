export * from './messages';
export * from './node';
export * from './format';
export type { Outcome } from './step';
export { StepBuilder } from './step';
export * as acceptor from './acceptor';
export * as leader from './leader';
export * as learner from './learner';
export * as reads from './reads';
