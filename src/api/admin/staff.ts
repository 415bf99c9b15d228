import { z } from 'zod';
import { staffRoleSchema, versionSchema } from './common.js';

/** One role of a person at one school (districtAdmin: every school, schoolId null); class teachers name their classes. */
export const grantSchema = z.object({
  role: staffRoleSchema,
  schoolId: z.string().min(1).max(100).nullable(),
  /** Class teachers only: the classes they see ("03Б"); null for every other role. */
  classNames: z.array(z.string().min(1).max(10)).max(20).nullable().default(null),
});
export type Grant = z.infer<typeof grantSchema>;

export const loginSchema = z.string().trim().toLowerCase()
  .regex(/^[a-z0-9._-]{3,40}$/, 'логин: от 3 до 40 латинских букв, цифр, точек, дефисов');

export const staffViewSchema = z.object({
  id: z.string(),
  login: z.string().nullable(),
  fullName: z.string(),
  grants: z.array(grantSchema),
  active: z.boolean(),
  hasPassword: z.boolean(),
  hasPin: z.boolean(),
  totpEnrolled: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StaffView = z.infer<typeof staffViewSchema>;

/** The server also refuses runs and sequences (111111, 123456): src/server/pins.ts. */
export const PIN_RULE = 'PIN-код: от 6 до 8 цифр';
export const pinSchema = z.string().regex(/^\d{6,8}$/, PIN_RULE);
export const passwordSchema = z.string().min(10, 'пароль не короче 10 символов').max(128, 'пароль не длиннее 128 символов');

export const staffCreateSchema = z.object({
  fullName: z.string().trim().min(3, 'ФИО не короче 3 символов').max(200),
  login: loginSchema.nullable().default(null),
  password: passwordSchema.optional(),
  pin: pinSchema.optional(),
  grants: z.array(grantSchema).min(1, 'нужна хотя бы одна роль').max(50),
});
export type StaffCreate = z.input<typeof staffCreateSchema>;

export const staffUpdateSchema = z.object({
  version: versionSchema,
  fullName: z.string().trim().min(3).max(200).optional(),
  login: loginSchema.nullable().optional(),
  grants: z.array(grantSchema).min(1).max(50).optional(),
  active: z.boolean().optional(),
});

export const staffPinSchema = z.object({ pin: pinSchema });
export const staffPasswordSchema = z.object({ password: passwordSchema });

// ---- login ----

export const staffLoginRequestSchema = z.object({
  login: z.string().trim().toLowerCase().min(1).max(60),
  password: z.string().min(1).max(200),
  /** The 6-digit code from the authenticator app, when the account has TOTP. */
  totp: z.string().regex(/^\d{6}$/).optional(),
});

export const sessionViewSchema = z.object({
  staff: staffViewSchema,
  /** Send it back in the `x-csrf-token` header of every POST/PUT/PATCH/DELETE. */
  csrfToken: z.string(),
  /** 'totpEnroll': a TOTP role without a secret yet — only the enrolment routes answer until it is done. */
  state: z.enum(['ok', 'totpEnroll']),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

export const totpEnrollStartSchema = z.object({ secret: z.string(), uri: z.string() });
export const totpEnrollConfirmSchema = z.object({ totp: z.string().regex(/^\d{6}$/, 'код из приложения — 6 цифр') });
