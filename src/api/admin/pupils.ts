import { z } from 'zod';
import { normaliseClassName } from '../../core/class-name.js';

/**
 * The console's pupil API (/api/v1/pupils…): one set of schemas for the
 * server's validation, the OpenAPI document and the console's forms.
 * Messages are Russian where a person reads them.
 */
export const className = z.string().trim().transform((v, ctx) => {
  const n = normaliseClassName(v);
  if (!n) { ctx.addIssue({ code: 'custom', message: 'Класс: от 1 до 11 и буква, например 3Б' }); return z.NEVER; }
  return n;
});

export const fullName = z.string().trim().max(300, 'ФИО длиннее 300 знаков')
  .transform((v) => v.replace(/\s+/g, ' '))
  .refine((v) => v.split(' ').length >= 2, 'ФИО: нужны хотя бы фамилия и имя');

export const PUPIL_SORTS = ['name', 'class', 'account', 'balance'] as const;

export const pupilListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  schoolId: z.string().max(100).optional(),
  className: z.string().max(10).optional(),
  archived: z.enum(['0', '1']).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(25),
  sort: z.enum(PUPIL_SORTS).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
});
export type PupilListQuery = z.infer<typeof pupilListQuery>;

export const pupilRow = z.object({
  id: z.string(),
  schoolId: z.string(),
  fullName: z.string(),
  className: z.string(),
  accountNumber: z.string().nullable(),
  balance: z.number().int().nullable(),
  cards: z.array(z.object({ id: z.string(), state: z.string() })),
  benefitCategoryIds: z.array(z.string()),
  active: z.boolean(),
  archivedAt: z.string().nullable(),
  version: z.number().int(),
});
export type PupilRow = z.infer<typeof pupilRow>;
/** `totalCapped`: more matches than `total` (10,000) — the pager says "more than". */
export const pupilPage = z.object({ rows: z.array(pupilRow), total: z.number().int(), totalCapped: z.boolean() });

export const pupilPatch = z.object({
  fullName: fullName.optional(),
  className: className.optional(),
  version: z.number().int().positive(),
});
export type PupilPatch = z.infer<typeof pupilPatch>;

export const pupilMove = z.object({
  ids: z.array(z.string().min(1).max(100)).min(1, 'Выберите хотя бы одного ученика').max(2000),
  className,
});

/** 5 MB of CSV is ~60,000 pupils: more than a district. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export const pupilImport = z.object({
  fileName: z.string().max(300),
  /** The file, base64: JSON keeps one body parser and one schema for the whole API. */
  contentBase64: z.string().min(1, 'Выберите файл').max(Math.ceil(MAX_IMPORT_BYTES / 3) * 4, 'Файл больше 5 МБ'),
  /** false: preview (nothing written); true: write the good rows. */
  confirm: z.boolean().default(false),
});

export const importAnswer = z.object({
  dryRun: z.boolean(),
  refused: z.boolean(),
  created: z.number().int(),
  updated: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
  rows: z.array(z.object({
    line: z.number().int(), fullName: z.string(), className: z.string(), schoolId: z.string(),
    action: z.enum(['created', 'updated']), accountNumber: z.string(),
  })),
});

export const newSchoolYear = z.object({
  /** The year the new school year starts in (2026 for 2026/27). */
  year: z.number().int().min(2000).max(2100),
  confirm: z.boolean().default(false),
});
export const newSchoolYearAnswer = z.object({
  dryRun: z.boolean(),
  promoted: z.number().int(),
  graduated: z.number().int(),
  returnTasks: z.array(z.object({ accountNumber: z.string(), fullName: z.string(), amount: z.number().int() })),
});
