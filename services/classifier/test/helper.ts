import { buildIntakeApp, loadIntakeConfig } from '@hotline/intake';
import { Cleanup, createTestBus, createTestDatabase, NATS_URL, testLogger, uniqueName } from '@hotline/testkit';
import type { Logger } from 'pino';
import { buildClassifierApp } from '../src/app';
import { loadClassifierConfig } from '../src/config';

/**
 * The classifier and the intake it listens to, on one database and stream prefix of their
 * own, as they run in the stack: the intake's outbox relay publishes, the classifier consumes.
 */
export async function buildTestClassifier(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}, logger: Logger = testLogger) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('classifier');
  const bus = await createTestBus(cleanup, prefix);
  const common = { DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '4' };
  // The classifier first: loading its model blocks this process for a second, which the intake's
  // back-pressure, were it already sampling, would read as overload and answer 503.
  const classifier = await buildClassifierApp(loadClassifierConfig({ ...common, ...env }), logger);
  await classifier.ready();
  cleanup.teardown(() => classifier.close());
  const intake = await buildIntakeApp(loadIntakeConfig(common), testLogger);
  cleanup.teardown(() => intake.close());
  return { intake, classifier, database, bus, prefix };
}

export const agent = { authorization: 'Bearer dev-agent' };
