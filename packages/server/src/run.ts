import { ConfigError } from '@hotline/config';
import type { FastifyInstance } from 'fastify';
import { createLogger } from './logger';

/**
 * The body of every `server.ts`: build, listen, and close gracefully on SIGINT/SIGTERM
 * (stop taking requests, finish those in flight, drain NATS, end the pool).
 */
export async function runService(name: string, build: () => Promise<{ app: FastifyInstance; port: number; host: string }>): Promise<void> {
  const fallback = createLogger(name, 'info');
  let built: { app: FastifyInstance; port: number; host: string };
  try {
    built = await build();
  } catch (err) {
    if (err instanceof ConfigError) fallback.fatal({ issues: err.issues }, err.message);
    else fallback.fatal({ err }, 'service failed to start');
    process.exit(1);
  }
  const { app, port, host } = built;
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing');
    const timer = setTimeout(() => {
      app.log.error('close timed out; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ port, host });
}
