export * from './auth';
export * from './repositories';
export * from './workspaces';
export * from './events';
export * from './usage';
export * from './limits';
export * from './mail';
export * from './rate-limits';
