import { actionIdempotencyKeys } from '@hotline/db';
import { createService, idempotencyExpiryPlugin, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import type { DepartmentsConfig } from './config';
import { extensionRoutes } from './routes/extensions';
import { inboxRoutes } from './routes/inbox';
import { ticketRoutes } from './routes/tickets';

/** The API of the departments (承办单位): inbox, 签收, 退单, 延期, progress, 办结反馈; managers decide extensions. */
export async function buildDepartmentsApp(config: DepartmentsConfig, logger?: Logger): Promise<Service> {
  const app = await createService({ name: 'departments', title: 'Hotline 12345 departments API', config, logger });
  await app.register(inboxRoutes);
  await app.register(ticketRoutes);
  await app.register(extensionRoutes);
  await app.register(idempotencyExpiryPlugin, { table: actionIdempotencyKeys, retentionHours: config.IDEMPOTENCY_KEY_RETENTION_HOURS });
  return app;
}
