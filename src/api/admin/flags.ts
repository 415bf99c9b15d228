import { z } from 'zod';

export const flagViewSchema = z.object({
  id: z.number().int(),
  entryUuid: z.string(),
  terminalId: z.string().nullable(),
  accountNumber: z.string().nullable(),
  reason: z.string(),
  message: z.string(),
  details: z.unknown(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolutionNote: z.string().nullable(),
});
export const flagListQuerySchema = z.object({
  state: z.enum(['open', 'resolved', 'all']).default('open'),
  reason: z.string().max(40).optional(),
  accountNumber: z.string().regex(/^\d{10}$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const flagResolveSchema = z.object({ note: z.string().trim().min(3, 'опишите, что сделано (не короче 3 знаков)').max(1000) });
