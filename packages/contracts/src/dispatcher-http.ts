import { z } from 'zod';

const departmentCode = z.string().trim().min(1).max(64);

/**
 * An agent's hand routing (人工派单). Without a department the catalogue decides; a category
 * (taxonomy code of any level, or a first-level name) replaces the ticket's for routing.
 */
export const DispatchBody = z
  .object({
    department: departmentCode.optional(),
    coDepartments: z.array(departmentCode).max(10).optional(),
    category: z.string().trim().min(1).max(50).optional(),
  })
  .strict();
export type DispatchBody = z.infer<typeof DispatchBody>;

export const CatalogueVersionParams = z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647) });

/** 督办 reasons are open-ended (the departments and callback services add their own), so a string. */
export const SupervisionCase = z.object({
  id: z.string(),
  ticketId: z.string(),
  number: z.string(),
  department: z.string().nullable(),
  reason: z.string(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type SupervisionCase = z.infer<typeof SupervisionCase>;

export const SupervisionQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }).strict();

export const SupervisionList = z.object({ items: z.array(SupervisionCase) });
