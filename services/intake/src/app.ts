import { idempotencyKeys } from '@hotline/db';
import { createService, idempotencyExpiryPlugin, type Service } from '@hotline/server';
import type { Logger } from 'pino';
import type { IntakeConfig } from './config';
import { duplicateRoutes } from './routes/duplicates';
import { ticketRoutes } from './routes/tickets';

/** The intake API for call agents (受理). */
export async function buildIntakeApp(config: IntakeConfig, logger?: Logger): Promise<Service> {
  const app = await createService({ name: 'intake', title: 'Hotline 12345 intake API', config, logger });
  await app.register(ticketRoutes);
  await app.register(duplicateRoutes);
  await app.register(idempotencyExpiryPlugin, { table: idempotencyKeys, retentionHours: config.IDEMPOTENCY_KEY_RETENTION_HOURS });
  return app;
}
