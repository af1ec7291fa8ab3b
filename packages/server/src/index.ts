export * from './action-idempotency';
export * from './create-service';
export * from './calendar-check';
export * from './logger';
export * from './run';
export { principalOf, type Principal } from './plugins/auth';
export { idempotencyExpiryPlugin } from './plugins/idempotency-expiry';
