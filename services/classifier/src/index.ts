// For end-to-end tests that run the classifier in-process; services never import it.
export { buildClassifierApp } from './app';
export { loadClassifierConfig } from './config';
