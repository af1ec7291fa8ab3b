// For end-to-end tests that run the departments service in-process; services never import it.
export { buildDepartmentsApp } from './app';
export { loadDepartmentsConfig } from './config';
