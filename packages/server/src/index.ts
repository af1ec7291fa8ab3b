export * from './create-service';
export * from './logger';
export * from './run';
export { principalOf, type Principal } from './plugins/auth';
