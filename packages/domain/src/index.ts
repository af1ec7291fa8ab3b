export * from './ticket';
export * from './state-machine';
export * from './calendar';
export * from './deadlines';
export * from './phone';
export * from './similarity';
export * from './callback';
