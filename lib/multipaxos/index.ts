export * from './messages';
export * from './machine';
export * from './node';
export * from './random';
export * as vector from './vector';
export type { Vector } from './vector';
export * as hashmap from './hashmap';
