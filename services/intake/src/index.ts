// For end-to-end tests and benchmarks that run intake in-process; services never import it.
export { buildIntakeApp } from './app';
export { loadIntakeConfig } from './config';
