import { runService } from '@hotline/server';
import { buildDispatcherApp } from './app';
import { loadDispatcherConfig } from './config';

await runService('dispatcher', async () => {
  const config = loadDispatcherConfig();
  return { app: await buildDispatcherApp(config), port: config.PORT, host: config.HOST };
});
