import { z } from 'zod';

/**
 * Shared contracts of the admin API (/api/v1, issue 14): the server validates
 * with these schemas, the OpenAPI document is generated from them and the web
 * console (/admin/) imports them for its forms. Imports only zod and src/core.
 */

export const STAFF_ROLES = ['districtAdmin', 'schoolAdmin', 'manager', 'cashier', 'classTeacher', 'accountant', 'nurse'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const staffRoleSchema = z.enum(STAFF_ROLES);

/** Russian names of the roles, for forms and the audit log. */
export const ROLE_NAMES: Record<StaffRole, string> = {
  districtAdmin: 'Администратор района',
  schoolAdmin: 'Администратор школы',
  manager: 'Заведующий производством',
  cashier: 'Кассир',
  classTeacher: 'Классный руководитель',
  accountant: 'Бухгалтер',
  nurse: 'Медсестра',
};

/** Roles that sell at a till with a PIN (the till knows them as cashier and manager). */
export const TILL_ROLES = ['cashier', 'manager'] as const satisfies readonly StaffRole[];
/** Roles whose login needs a second factor (TOTP). */
export const TOTP_ROLES = ['districtAdmin', 'schoolAdmin'] as const satisfies readonly StaffRole[];

/** Every error answer: `{ error: { code, message (Russian), details? } }`. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});

/** A school id in the path: every school-scoped route is under /api/v1/schools/:schoolId/… */
export const schoolParamsSchema = z.object({ schoolId: z.string().min(1).max(100) });

/**
 * Optimistic concurrency: every editable record carries `version`; a save
 * sends the version it was read at and is refused with 409 (details: what
 * changed since) when someone saved in between.
 */
export const versionSchema = z.number().int().min(1);

export const conflictDetailsSchema = z.object({
  currentVersion: z.number().int(),
  /** Fields whose stored value differs from what the client read, with the stored value now. */
  changed: z.record(z.string(), z.unknown()),
});

export const okSchema = z.object({ ok: z.literal(true) });

/** Paging for lists: `?limit=50&offset=0`. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

export const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'дата в виде ГГГГ-ММ-ДД');
