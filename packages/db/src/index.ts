export * from './client';
export * from './idempotency-expiry';
export * from './migrate';
export * from './page-cursor';
export * from './schema';
export * from './seed';
export * from './ticket-events';
export * from './ticket-view';
