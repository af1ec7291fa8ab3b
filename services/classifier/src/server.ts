import { runService } from '@hotline/server';
import { buildClassifierApp } from './app';
import { loadClassifierConfig } from './config';

await runService('classifier', async () => {
  const config = loadClassifierConfig();
  return { app: await buildClassifierApp(config), port: config.PORT, host: config.HOST };
});
