import { startConsumer, type RunningConsumer } from '@hotline/bus';
import { parseTicketEvent, type TicketEvent } from '@hotline/contracts';
import { loadChinaCalendar } from '@hotline/domain';
import { createService, warnOfCalendarGaps, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import { CatalogueRepository } from './catalogue-repository';
import { deadlinePolicyOf, type DispatcherConfig } from './config';
import { DeadlineTimer, DeadlineWatcher, type WatchSummary } from './deadline-watcher';
import { ensureDepartmentConsumers } from './department-consumers';
import { Dispatcher } from './dispatch';
import { catalogueRoutes } from './routes/catalogue';
import { dispatchRoutes } from './routes/dispatch';
import { supervisionRoutes } from './routes/supervision';

declare module 'fastify' {
  interface FastifyInstance {
    /** One deadline scan at `now` (the service's clock by default); the timer runs the same. */
    watchDeadlines(now?: Date): Promise<WatchSummary>;
  }
}

export interface DispatcherOptions {
  /** The service's clock: dispatch times, deadlines and the watcher; tests pass a fixed one. */
  now?: () => Date;
}

// Batches of classified tickets dispatched at once by this replica (a batch: what queued up meanwhile, up to 64).
const DISPATCH_CONCURRENCY = 2;

/** 派单 and 督办: dispatches classified tickets, lets agents route by hand, and watches deadlines. */
export async function buildDispatcherApp(config: DispatcherConfig, logger?: Logger, options: DispatcherOptions = {}): Promise<Service> {
  const app = await createService({ name: 'dispatcher', title: 'Hotline 12345 dispatcher API', config, logger });
  const now = options.now ?? (() => new Date());
  const calendar = loadChinaCalendar({ officeHours: config.OFFICE_HOURS });
  warnOfCalendarGaps(app.log, calendar, now());
  const catalogue = new CatalogueRepository(app.db);
  const policy = deadlinePolicyOf(config);
  const dispatcher = new Dispatcher({ db: app.db, names: app.names, calendar, policy, catalogue, now, logger: app.log });
  const watcher = new DeadlineWatcher({
    db: app.db,
    names: app.names,
    calendar,
    fraction: config.DEADLINE_WARNING_FRACTION,
    logger: app.log.child({ component: 'deadline-watcher' }),
  });
  const timer = new DeadlineTimer(watcher, config.WATCH_INTERVAL_MS, now, app.log);
  app.decorate('watchDeadlines', (at?: Date) => watcher.watch(at ?? now()));

  await app.register(dispatchRoutes, { dispatcher });
  await app.register(catalogueRoutes, { catalogue, now });
  await app.register(supervisionRoutes);

  let consumer: RunningConsumer | null = null;
  let reopenedConsumer: RunningConsumer | null = null;
  app.addHook('onReady', async () => {
    await ensureDepartmentConsumers(app.bus, app.db);
    consumer = await startConsumer(app.bus, {
      stream: app.names.tickets,
      durable: 'dispatcher',
      filterSubjects: [app.names.ticketSubject('classified')],
      parse: (data) => {
        const event = parseTicketEvent(data);
        if (event.type !== 'classified') throw new Error(`unexpected ${event.type} event`);
        return event as TicketEvent<'classified'>;
      },
      handle: (event) => dispatcher.dispatchClassified([event]),
      handleBatch: (events) => dispatcher.dispatchClassified(events),
      logger: app.log,
      concurrency: DISPATCH_CONCURRENCY,
    });
    reopenedConsumer = await startConsumer(app.bus, {
      stream: app.names.tickets,
      durable: 'dispatcher-reopened',
      filterSubjects: [app.names.ticketSubject('reopened')],
      parse: (data) => {
        const event = parseTicketEvent(data);
        if (event.type !== 'reopened') throw new Error(`unexpected ${event.type} event`);
        return event as TicketEvent<'reopened'>;
      },
      handle: (event) => dispatcher.dispatchReopened(event),
      logger: app.log,
    });
    timer.start();
  });
  app.addHook('preClose', async () => {
    await timer.stop();
    await Promise.all([consumer?.stop(), reopenedConsumer?.stop()]);
  });
  return app;
}
