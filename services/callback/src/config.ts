import { ConfigError, loadConfig, workingTimeConfig } from '@hotline/config';
import { z } from 'zod';

/** The development default; refused in production, where links must not be forgeable by anyone who read this file. */
export const DEVELOPMENT_SURVEY_SECRET = 'development-survey-secret-not-for-production';

export const callbackConfig = {
  PORT: z.coerce.number().int().min(1).max(65535).default(3005),
  /** Signs the citizens' survey links (HMAC-SHA256); at least 32 characters. */
  SURVEY_SECRET: z.string().min(32).default(DEVELOPMENT_SURVEY_SECRET),
  /** How long a survey link works. */
  SURVEY_TTL_DAYS: z.coerce.number().min(0.001).max(60).default(5),
  /** The address citizens open survey links at (behind the SMS gateway's shortener, say). */
  PUBLIC_URL: z.url().default('http://127.0.0.1:3005'),
  /** 回访 due this many working days after the reply. */
  CALLBACK_WORKING_DAYS: z.coerce.number().int().min(0).max(30).default(1),
  /** Reopens (重办) a citizen may ask for; the next request goes to managers (督办). */
  REOPEN_LIMIT: z.coerce.number().int().min(0).max(10).default(1),
  /** Not reached on this many different working days: closed as unreachable. */
  UNREACHABLE_DAYS: z.coerce.number().int().min(1).max(10).default(3),
  ...workingTimeConfig,
};

export function loadCallbackConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(callbackConfig, env);
  if (config.NODE_ENV === 'production' && config.SURVEY_SECRET === DEVELOPMENT_SURVEY_SECRET) {
    throw new ConfigError([{ variable: 'SURVEY_SECRET', message: 'set a secret of your own in production' }]);
  }
  return config;
}
export type CallbackConfig = ReturnType<typeof loadCallbackConfig>;
