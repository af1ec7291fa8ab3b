import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * /healthz: the process is alive. /readyz: it can take work, which needs PostgreSQL; NATS
 * being away is reported but does not make it unready, since the outbox holds events.
 */
export const healthPlugin = fp(
  async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const nats = app.bus.nc.isClosed() ? 'closed' : 'connected';
      try {
        await app.database.sql`select 1`;
        return { status: 'ready', postgres: 'ok', nats };
      } catch {
        return reply.status(503).send({ status: 'unready', postgres: 'unreachable', nats });
      }
    });
  },
  { name: 'hotline-health', dependencies: ['hotline-resources'] },
);
