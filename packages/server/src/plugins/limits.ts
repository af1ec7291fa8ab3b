import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { HotlineError } from '@hotline/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface LimitsOptions {
  /** Requests per minute per API key (per client address without one); 0: no limit. */
  ratePerMinute: number;
  maxEventLoopDelayMs: number;
}

const RETRY_AFTER_SECONDS = 5;

/** The key a request is counted against: its bearer token (hashed, never kept), else its address. */
function rateKey(request: FastifyRequest): string {
  const auth = request.headers.authorization;
  return auth ? `key:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}` : `ip:${request.ip}`;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A page's own files, held in memory: cheap to send, so back-pressure lets them through. A
     * page whose script was refused cannot ask again for its data as it does on a 503 (the
     * dashboard stayed blank when ECharts was shed in a busy test run).
     */
    servedFromMemory?: boolean;
  }
}

/**
 * Limits that protect a service: a rate per API key (429 with Retry-After) and back-pressure
 * (503 with Retry-After once the event loop lags), both in the one error shape. Health
 * checks are exempt so an orchestrator sees a busy service as alive.
 */
export const limitsPlugin = fp(
  async (app: FastifyInstance, opts: LimitsOptions) => {
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      retryAfter: RETRY_AFTER_SECONDS,
      // At run time, returning nothing lets the request through and returning a body answers
      // with it (the plugin's typings only know the first).
      pressureHandler: ((request: FastifyRequest, reply: FastifyReply) => {
        if (request.url === '/healthz' || request.routeOptions.config?.servedFromMemory) return undefined;
        reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS));
        return { error: { code: 'unavailable', message: `the service is overloaded; retry in ${RETRY_AFTER_SECONDS} s` } };
      }) as unknown as (request: FastifyRequest, reply: FastifyReply) => void,
    });
    if (opts.ratePerMinute > 0) {
      await app.register(rateLimit, {
        max: opts.ratePerMinute,
        timeWindow: 60_000,
        keyGenerator: rateKey,
        allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
        errorResponseBuilder: (_request, context) =>
          new HotlineError('rate_limited', `more than ${context.max} requests a minute with this API key; retry in ${Math.ceil(context.ttl / 1000)} s`),
      });
    }
  },
  { name: 'hotline-limits', dependencies: ['hotline-errors'] },
);
