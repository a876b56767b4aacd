export * from './client';
export * from './errors';
export * from './types';
export * from './identity-types';
export * from './proc-net';
