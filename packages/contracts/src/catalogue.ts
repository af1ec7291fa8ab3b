import { z } from 'zod';

const name = z.string().trim().min(1).max(100);

/** One rule of the dispatch catalogue (派单目录); see @hotline/catalogue for how it matches. */
export const DispatchRule = z
  .object({
    name,
    categories: z.array(name).min(1).max(50).optional(),
    districts: z.array(name).min(1).max(50).optional(),
    keywords: z.array(z.string().trim().min(1).max(50)).min(1).max(200).optional(),
    main: z.string().min(1).max(64),
    co: z.array(z.string().min(1).max(64)).max(10).default([]),
  })
  .strict();

export const CatalogueBody = z
  .object({ rules: z.array(DispatchRule).min(1).max(2000), note: z.string().trim().max(500).optional() })
  .strict();

export const CatalogueVersion = z.object({
  version: z.number().int(),
  rules: z.array(DispatchRule),
  note: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
