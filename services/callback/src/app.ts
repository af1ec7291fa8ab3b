import { startConsumer, type RunningConsumer } from '@hotline/bus';
import { parseTicketEvent, type TicketEvent } from '@hotline/contracts';
import { loadChinaCalendar } from '@hotline/domain';
import { actionIdempotencyKeys } from '@hotline/db';
import { createService, idempotencyExpiryPlugin, warnOfCalendarGaps, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import { CallbackRepository } from './callback-repository';
import type { CallbackConfig } from './config';
import { callbackRoutes } from './routes/callbacks';
import { surveyRoutes } from './routes/survey';

export interface CallbackOptions {
  /** The service's clock; tests pass a fixed one. */
  now?: () => Date;
}

/** 回访 and 评价: opens a callback for every reply, records agents' calls and citizens' survey answers. */
export async function buildCallbackApp(config: CallbackConfig, logger?: Logger, options: CallbackOptions = {}): Promise<Service> {
  const app = await createService({ name: 'callback', title: 'Hotline 12345 callback API', config, logger });
  // The departments service expires the same keys; either one alone keeps the table short.
  await app.register(idempotencyExpiryPlugin, { table: actionIdempotencyKeys, retentionHours: config.IDEMPOTENCY_KEY_RETENTION_HOURS });
  const now = options.now ?? (() => new Date());
  const calendar = loadChinaCalendar({ officeHours: config.OFFICE_HOURS });
  warnOfCalendarGaps(app.log, calendar, now());
  const repo = new CallbackRepository(app.db, app.names, calendar, {
    callbackWorkingDays: config.CALLBACK_WORKING_DAYS,
    surveyTtlDays: config.SURVEY_TTL_DAYS,
    reopenLimit: config.REOPEN_LIMIT,
    unreachableDays: config.UNREACHABLE_DAYS,
  });
  await app.register(callbackRoutes, { repo, surveySecret: config.SURVEY_SECRET, publicUrl: config.PUBLIC_URL, now });
  await app.register(surveyRoutes, { repo, surveySecret: config.SURVEY_SECRET, now });

  let consumer: RunningConsumer | null = null;
  app.addHook('onReady', async () => {
    consumer = await startConsumer(app.bus, {
      stream: app.names.tickets,
      durable: 'callback',
      filterSubjects: [app.names.ticketSubject('replied')],
      parse: (data) => {
        const event = parseTicketEvent(data);
        if (event.type !== 'replied') throw new Error(`unexpected ${event.type} event`);
        return event as TicketEvent<'replied'>;
      },
      handle: (event) => repo.openForReply(event),
      logger: app.log,
      concurrency: 4,
    });
  });
  app.addHook('preClose', async () => {
    await consumer?.stop();
  });
  return app;
}
