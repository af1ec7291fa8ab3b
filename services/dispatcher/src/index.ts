// For end-to-end tests that run the dispatcher in-process; services never import it.
export { buildDispatcherApp, type DispatcherOptions } from './app';
export { loadDispatcherConfig } from './config';
