import { z } from 'zod';

export const auditRowSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  staffId: z.string().nullable(),
  actor: z.string(),
  schoolId: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
});
export const auditQuerySchema = z.object({
  staffId: z.string().max(100).optional(),
  action: z.string().max(60).optional(),
  entity: z.string().max(60).optional(),
  entityId: z.string().max(100).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  /** Paging back: rows with a smaller id. */
  beforeId: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
