import { runService } from '@hotline/server';
import { buildCallbackApp } from './app';
import { loadCallbackConfig } from './config';

await runService('callback', async () => {
  const config = loadCallbackConfig();
  return { app: await buildCallbackApp(config), port: config.PORT, host: config.HOST };
});
