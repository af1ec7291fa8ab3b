import { loadConfig } from '@hotline/config';
import { z } from 'zod';

/** An optional number where an empty variable (as `${VAR:-}` gives) means unset, not 0. */
const optionalNumber = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().pipe(schema).optional());

export const classifierConfig = {
  PORT: z.coerce.number().int().min(1).max(65535).default(3002),
  /** Confidence at or above which a ticket is routed without an agent; default: the model's recommended threshold. */
  CLASSIFIER_THRESHOLD: optionalNumber(z.number().min(0).max(1)),
  /** Fewest content words from which a ticket is routed without an agent (0: any); default: the model's recommended minimum. */
  CLASSIFIER_MIN_CONTENT_WORDS: optionalNumber(z.number().int().min(0).max(10_000)),
  /** Path of a model artifact other than the committed one. */
  CLASSIFIER_MODEL: z.string().optional(),
  /** Batches of received tickets classified at once by this replica (a batch: what queued up meanwhile, up to 64). */
  CLASSIFIER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
};

export function loadClassifierConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(classifierConfig, env);
}
export type ClassifierConfig = ReturnType<typeof loadClassifierConfig>;
