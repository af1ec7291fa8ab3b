// For end-to-end tests that run the callback service in-process; services never import it.
export { buildCallbackApp, type CallbackOptions } from './app';
export { loadCallbackConfig } from './config';
