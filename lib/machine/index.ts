export * from './command';
export * from './replica';
export * from './kv';
export * from './booking';
export * from './harbor';
