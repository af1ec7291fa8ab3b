import { createDatabase } from '@hotline/db';
import { createService, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import type { StatsConfig } from './config';
import type { SatisfactionPoints, ScoreSettings } from './figures';
import { ListsRepository } from './lists';
import { StatsReports } from './reports';
import { dashboardRoutes } from './routes/dashboard';
import { statsRoutes } from './routes/stats';
import { StatsRepository } from './stats-repository';
import { SummaryRefresher, SummaryTimer } from './summary';

declare module 'fastify' {
  interface FastifyInstance {
    /** The summary tables' keeper: tests and the admin route recount days with it. */
    statsSummary: SummaryRefresher;
    statsSummaryTimer: SummaryTimer;
  }
}

export interface StatsOptions {
  /** The service's clock: "today" of the summary timer and "now" of the overdue list. */
  now?: () => Date;
}

/** Statistics for managers: 三率, scorecards, trend, overdue and 督办 lists, hot spots, CSV, and the dashboard page. */
export async function buildStatsApp(config: StatsConfig, logger?: Logger, options: StatsOptions = {}): Promise<Service> {
  const app = await createService({ name: 'stats', title: 'Hotline 12345 statistics API', config, logger });
  const now = options.now ?? (() => new Date());
  const sql = app.database.sql;
  const settings: ScoreSettings = {
    satisfactionPoints: config.STATS_SATISFACTION_POINTS as unknown as SatisfactionPoints,
    compositeWeights: config.STATS_COMPOSITE_WEIGHTS as unknown as [number, number, number],
  };
  // The figures may come from a replica; the summary refresh writes, so it keeps the primary.
  const replica = config.STATS_READ_DATABASE_URL ? createDatabase(config.STATS_READ_DATABASE_URL, { max: config.DATABASE_POOL_MAX }) : null;
  const reads = replica?.sql ?? sql;
  const repo = new StatsRepository(reads);
  const refresher = new SummaryRefresher(sql, app.log);
  const timer = new SummaryTimer(refresher, {
    intervalMs: config.STATS_REFRESH_INTERVAL_MS,
    recentDays: config.STATS_RECENT_DAYS,
    now,
    logger: app.log.child({ component: 'stats-summary' }),
  });
  app.decorate('statsSummary', refresher);
  app.decorate('statsSummaryTimer', timer);

  await app.register(statsRoutes, { repo, reports: new StatsReports(repo, settings), lists: new ListsRepository(reads), refresher, settings, now });
  await app.register(dashboardRoutes);

  app.addHook('onReady', async () => {
    if (config.STATS_REFRESH_INTERVAL_MS > 0) timer.start();
  });
  app.addHook('preClose', async () => {
    await timer.stop();
  });
  app.addHook('onClose', async () => {
    await replica?.close();
  });
  return app;
}
