import { loadConfig } from '@hotline/config';
import { z } from 'zod';

export const departmentsConfig = { PORT: z.coerce.number().int().min(1).max(65535).default(3004) };

export function loadDepartmentsConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(departmentsConfig, env);
}
export type DepartmentsConfig = ReturnType<typeof loadDepartmentsConfig>;
