import { Cleanup, createTestBus, createTestDatabase, NATS_URL, testLogger, uniqueName } from '@hotline/testkit';
import { buildIntakeApp } from '../src/app';
import { loadIntakeConfig } from '../src/config';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** An intake app on a database and streams of its own; everything is dropped after the test. */
export async function buildTestIntake(t: Tap, env: Record<string, string> = {}) {
  const cleanup = new Cleanup(t);
  const database = await createTestDatabase(cleanup);
  const prefix = uniqueName('intake');
  const natsUrl = env.NATS_URL ?? NATS_URL;
  const bus = await createTestBus(cleanup, prefix, natsUrl);
  const config = loadIntakeConfig({
    DATABASE_URL: database.url,
    NATS_URL: natsUrl,
    NATS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '4',
    ...env,
  });
  const app = await buildIntakeApp(config, testLogger);
  cleanup.teardown(() => app.close());
  return { app, database, bus, prefix, cleanup };
}

export const agent = { authorization: 'Bearer dev-agent' };
export const manager = { authorization: 'Bearer dev-manager' };

export const sampleTicket = {
  channel: 'phone',
  type: 'complaint',
  caller: { name: '张先生', phone: '13812341234' },
  title: 'A3区某小区夜间施工噪音扰民',
  content: 'A市A3区某小区旁工地每天晚上十一点后仍在施工，噪音很大，严重影响居民休息，请相关部门尽快处理。',
  location: { district: 'A3区', street: '某街道' },
};
