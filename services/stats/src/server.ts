import { runService } from '@hotline/server';
import { buildStatsApp } from './app';
import { loadStatsConfig } from './config';

await runService('stats', async () => {
  const config = loadStatsConfig();
  return { app: await buildStatsApp(config), port: config.PORT, host: config.HOST };
});
