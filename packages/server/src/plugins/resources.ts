import { connectBus, ensureStreams, OutboxRelay, type Bus } from '@hotline/bus';
import type { StreamNames } from '@hotline/contracts';
import { createDatabase, type Database, type Db } from '@hotline/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    db: Db;
    bus: Bus;
    names: StreamNames;
  }
}

export interface ResourceOptions {
  databaseUrl: string;
  poolMax: number;
  natsUrl: string;
  natsPrefix: string;
  natsReplicas: number;
  relay: boolean;
  service: string;
}

/**
 * The pool, the NATS connection, the streams and the outbox relay. Freed on close in the
 * order that loses nothing: stop the relay, drain NATS, then end the pool.
 */
export const resourcesPlugin = fp(
  async (app: FastifyInstance, opts: ResourceOptions) => {
    const database = createDatabase(opts.databaseUrl, { max: opts.poolMax });
    const bus = await connectBus({ servers: opts.natsUrl, prefix: opts.natsPrefix, name: opts.service, logger: app.log });
    await ensureStreams(bus.jsm, bus.names, { replicas: opts.natsReplicas });
    const relay = opts.relay ? new OutboxRelay({ sql: database.sql, bus, logger: app.log }) : null;
    await relay?.start();

    app.decorate('database', database);
    app.decorate('db', database.db);
    app.decorate('bus', bus);
    app.decorate('names', bus.names);

    app.addHook('onClose', async () => {
      await relay?.stop();
      await bus.close();
      await database.close();
    });
  },
  { name: 'hotline-resources' },
);
