import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { streamNames, type StreamNames } from '@hotline/contracts';

/** The slice of a pino logger the bus uses; Fastify's logger fits it too. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: StreamNames;
  /** Drains subscriptions and pending publishes, then closes. */
  close(): Promise<void>;
}

export interface BusOptions {
  servers: string | string[];
  prefix?: string;
  name?: string;
  logger?: Log;
}

/**
 * Connects for good: `waitOnFirstConnect` and unlimited reconnects, so a service started
 * before NATS, or one that loses it, keeps trying instead of dying.
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  const nc = await connect({
    // NATS_URL may list a cluster's nodes, comma-separated.
    servers: typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()) : options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Each request (every JetStream publish is one) otherwise builds two Error objects up front
    // for their stack traces: 3 % of the relaying service's CPU under load. Our logs name the
    // subject and the operation, which is the context those traces gave.
    noAsyncTraces: true,
  });
  if (options.logger) {
    const log = options.logger;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') log.warn({ nats: s.type }, `nats ${s.type}`);
      }
    })();
  }
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  return {
    nc,
    js,
    jsm,
    names: streamNames(options.prefix),
    close: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
