export * from './messages';
export * from './node';
