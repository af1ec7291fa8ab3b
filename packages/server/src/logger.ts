import { pino, type Logger, type LoggerOptions } from 'pino';

/** Phone numbers and keys never reach the logs. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  '*.phone',
  '*.callerPhone',
  '*.caller.phone',
  'caller.phone',
];

export function loggerOptions(service: string, level: string): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return {
    name: service,
    level,
    redact: redactPaths,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level));
}
