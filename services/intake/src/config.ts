import { loadConfig } from '@hotline/config';
import { z } from 'zod';

export const intakeConfig = { PORT: z.coerce.number().int().min(1).max(65535).default(3001) };

export function loadIntakeConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(intakeConfig, env);
}
export type IntakeConfig = ReturnType<typeof loadIntakeConfig>;
