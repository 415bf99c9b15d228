import { z } from 'zod';
import { parseCardId } from '../../core/card-id.js';

/** The console's card API (/api/v1/schools/:schoolId/cards…): issue, block, lost, reissue. */
export const cardIdInput = z.string().trim().transform((v, ctx) => {
  const id = parseCardId(v);
  if (!id.ok || !id.stored) { ctx.addIssue({ code: 'custom', message: 'Номер карты: EM:XXXXXXXXXX (10 знаков) или MF:XXXXXXXX' }); return z.NEVER; }
  return id.cardId;
});

export const cardListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  state: z.enum(['active', 'blocked', 'lost']).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(25),
});

export const cardRow = z.object({
  id: z.string(), schoolId: z.string(), accountNumber: z.string(), state: z.enum(['active', 'blocked', 'lost']),
  reason: z.string().nullable(), issuedAt: z.string(), updatedAt: z.string(), fullName: z.string().nullable(), className: z.string().nullable(),
});
export const cardPage = z.object({ rows: z.array(cardRow), total: z.number().int() });

export const cardIssue = z.object({
  accountNumber: z.string().trim().regex(/^\d{10}$/, 'Лицевой счёт — 10 цифр'),
  cardId: cardIdInput,
});
export const cardStateChange = z.object({
  state: z.enum(['active', 'blocked', 'lost']),
  reason: z.string().trim().max(200).optional(),
});
export const cardReissue = z.object({ newCardId: cardIdInput });
