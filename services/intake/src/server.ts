import { runService } from '@hotline/server';
import { buildIntakeApp } from './app';
import { loadIntakeConfig } from './config';

await runService('intake', async () => {
  const config = loadIntakeConfig();
  return { app: await buildIntakeApp(config), port: config.PORT, host: config.HOST };
});
