import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { BaseConfig } from '@hotline/config';
import {
  fastify,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { loggerOptions } from './logger';
import { authPlugin } from './plugins/auth';
import { errorsPlugin } from './plugins/errors';
import { storableTextPlugin } from './plugins/storable-text';
import { healthPlugin } from './plugins/health';
import { limitsPlugin } from './plugins/limits';
import { resourcesPlugin } from './plugins/resources';

export interface ServiceOptions {
  name: string;
  title: string;
  config: BaseConfig;
  /** Requests larger than this are a 413 before they are parsed. */
  bodyLimit?: number;
  logger?: Logger;
}

export type Service = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The Fastify instance every service starts from: logger, errors, resources, auth, health, OpenAPI. */
export async function createService(opts: ServiceOptions): Promise<Service> {
  const { config } = opts;
  const app = fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: loggerOptions(opts.name, config.LOG_LEVEL) }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    return503OnClosing: true,
    // A malformed URL or an over-long path id is refused before routing; answer it in the one shape too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      reply.status(400).send({ error: { code: 'bad_request', message: error.message.slice(0, 200) } });
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      info: { title: opts.title, version: '1.0.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(errorsPlugin);
  await app.register(storableTextPlugin);
  await app.register(limitsPlugin, { ratePerMinute: config.RATE_LIMIT_PER_MINUTE, maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS });
  await app.register(resourcesPlugin, {
    databaseUrl: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    natsUrl: config.NATS_URL,
    natsPrefix: config.NATS_PREFIX,
    natsReplicas: config.NATS_REPLICAS,
    relay: config.OUTBOX_RELAY,
    service: opts.name,
  });
  await app.register(authPlugin, { production: config.NODE_ENV === 'production', unknownKeysPerMinute: config.RATE_LIMIT_PER_MINUTE });
  await app.register(healthPlugin);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  return app as unknown as Service;
}
