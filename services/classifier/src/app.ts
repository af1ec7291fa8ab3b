import { loadModel, type Model } from '@hotline/classifier';
import { parseTicketEvent, type TicketEvent } from '@hotline/contracts';
import { startConsumer, type RunningConsumer } from '@hotline/bus';
import { createService, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import { classifyReceived } from './classify-received';
import type { ClassifierConfig } from './config';
import { classificationRoutes } from './routes/classification';
import type { RoutingRules } from './routing';

declare module 'fastify' {
  interface FastifyInstance {
    model: Model;
    rules: RoutingRules;
  }
}

/** The classifier: a durable consumer of received tickets, and live suggestions for agents. */
export async function buildClassifierApp(config: ClassifierConfig, logger?: Logger): Promise<Service> {
  // Loading blocks the process for about a second. Done before the service's back-pressure starts
  // sampling the event loop, it cannot be read as overload: a classifier that has just started
  // would otherwise answer 503 to the first live suggestions (a test saw it, under load).
  const started = Date.now();
  const model = loadModel(config.CLASSIFIER_MODEL);
  const loadMs = Date.now() - started;
  const app = await createService({ name: 'classifier', title: 'Hotline 12345 classifier API', config, logger });
  const rules: RoutingRules = {
    threshold: config.CLASSIFIER_THRESHOLD ?? model.recommendedThreshold,
    minimumContentWords: config.CLASSIFIER_MIN_CONTENT_WORDS ?? model.recommendedMinimumContentWords ?? 0,
  };
  app.log.info({ modelVersion: model.version, ...rules, loadMs }, 'model loaded');
  if (config.CLASSIFIER_MIN_CONTENT_WORDS === undefined && model.recommendedMinimumContentWords === undefined) {
    app.log.warn(
      { modelVersion: model.version },
      'the model recommends no minimum of content words (an artifact from before 2026-12-02): tickets of a few words are routed on confidence alone; set CLASSIFIER_MIN_CONTENT_WORDS',
    );
  }
  app.decorate('model', model);
  app.decorate('rules', rules);
  await app.register(classificationRoutes);

  const deps = { db: app.db, names: app.names, model, rules };
  let consumer: RunningConsumer | null = null;
  app.addHook('onReady', async () => {
    consumer = await startConsumer(app.bus, {
      stream: app.names.tickets,
      durable: 'classifier',
      filterSubjects: [app.names.ticketSubject('received')],
      parse: (data) => {
        const event = parseTicketEvent(data);
        if (event.type !== 'received') throw new Error(`unexpected ${event.type} event`);
        return event as TicketEvent<'received'>;
      },
      handle: (event) => classifyReceived(deps, [event]),
      handleBatch: (events) => classifyReceived(deps, events),
      logger: app.log,
      concurrency: config.CLASSIFIER_CONCURRENCY,
    });
  });
  app.addHook('preClose', async () => {
    await consumer?.stop();
  });
  return app;
}
