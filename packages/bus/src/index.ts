export * from './connect';
export * from './consume';
export * from './relay';
export * from './streams';
