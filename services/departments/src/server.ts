import { runService } from '@hotline/server';
import { buildDepartmentsApp } from './app';
import { loadDepartmentsConfig } from './config';

await runService('departments', async () => {
  const config = loadDepartmentsConfig();
  return { app: await buildDepartmentsApp(config), port: config.PORT, host: config.HOST };
});
