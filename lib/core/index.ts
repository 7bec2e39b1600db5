export * from './types';
export * from './protocol';
export * from './random';
export * as vector from './vector';
export type { Vector } from './vector';
export * as hashmap from './hashmap';
export type { HashMap } from './hashmap';
