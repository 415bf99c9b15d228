// Over 400 lines on purpose: the whole sync wire contract (push, pull, payloads, enrolment) in one file that both ends validate with, so a change to it is one reviewable diff.
import { z } from 'zod';

/**
 * Terminal ↔ server sync wire format (Replicache-style push/pull, see
 * ../shared/DESIGN.md "Sync"). Both ends validate with these schemas.
 * The server may extend payloads it accepts; terminals must ignore fields they
 * do not know in pull responses.
 */

export const accountNumberSchema = z.string().regex(/^\d{10}$/, 'номер лицевого счёта: 10 цифр');
export const kopecksSchema = z.number().int().safe();

export const receiptLineSchema = z.object({
  itemId: z.string().min(1),
  kind: z.enum(['dish', 'mealSet']),
  name: z.string().min(1).max(300),
  quantity: z.number().int().positive(),
  unitPrice: kopecksSchema,
  amount: kopecksSchema,     // what the account paid for this line
  subsidy: kopecksSchema.default(0), // what the budget paid for this line
  /** The benefit rule that priced a subsidised line: the server records its category at the time (reimbursement). */
  ruleId: z.string().min(1).max(100).optional(),
});

/** Entry kinds a terminal creates. Top-ups and corrections are made on the server. */
export const entryKindSchema = z.enum([
  'sale',             // amount < 0 on the pupil's account; payload: salePayloadSchema, entry.receiptId set
  'refund',           // amount > 0, reverses a sale; payload: refundPayloadSchema (refundOf = the sale's receiptId)
  'subsidy',          // budget's part of a benefit meal, on the school's subsidy account
  'cabinetPassword',  // amount 0; payload: { passwordHash } (argon2id) for the account
  'cardBlock',        // amount 0; payload: { cardId, reason } made by a manager at the terminal
  'zReport',          // amount 0, no account; a closed shift's Z report (zReportPayloadSchema), shiftId set
  'orderServed',      // amount 0; a fixed order line served at the till (orderServedPayloadSchema); the pupil's account
]);
export type EntryKind = z.infer<typeof entryKindSchema>;

export const syncEntrySchema = z.object({
  uuid: z.uuid(),                  // made by the terminal (UUIDv7)
  seq: z.number().int().positive(), // per-terminal, gapless, starts at 1
  kind: entryKindSchema,
  accountNumber: accountNumberSchema.nullable(), // null for the school's subsidy account
  amount: kopecksSchema,
  createdAt: z.iso.datetime({ offset: true }),
  shiftId: z.string().nullable().optional(),
  cashierId: z.string().nullable().optional(),
  /** Card used, for sales (the server flags sales made with a card it knows is blocked). */
  cardId: z.string().nullable().optional(),
  /** Receipt made with this entry (sale, refund); the payload carries its lines. */
  receiptId: z.string().nullable().optional(),
  payload: z.record(z.string(), z.unknown()),
});
export type SyncEntry = z.infer<typeof syncEntrySchema>;

export const pushRequestSchema = z.object({
  terminalId: z.string().min(1),
  // The terminal sends at most 2,000 a batch; the server's body limit is sized to that (src/server/app.ts).
  entries: z.array(syncEntrySchema).max(2000),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

export const pushResponseSchema = z.object({
  /** Highest seq such that every entry 1..ackSeq of this terminal is stored. */
  ackSeq: z.number().int().nonnegative(),
  /** Set when the batch did not start at ackSeq + 1: send from here. */
  resumeFrom: z.number().int().positive().optional(),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

// ---------------------------------------------------------------------------
// Entry payloads as the server reads them. Extra fields are kept (stored as
// sent); a payload that does not match is still stored and its entry still
// advances lastSeq, but it is flagged for review (an operation that can never
// apply must not block the terminal's queue for ever).

/** Sale and refund payloads: what the receipt said, so the cabinet's statement can list every dish. */
export const salePayloadSchema = z.looseObject({
  receiptId: z.string().min(1),
  receiptNumber: z.string().min(1),          // "24-015183"
  lines: z.array(receiptLineSchema).min(1),
  total: kopecksSchema,                      // charged to the account (positive)
  subsidy: kopecksSchema.default(0),         // paid by the budget
  issuedAt: z.iso.datetime({ offset: true }).optional(),
  /** The ReceiptDoc as printed, for reprints from the server. */
  doc: z.record(z.string(), z.unknown()).optional(),
  /**
   * Lines with one of the pupil's allergens that the cashier explicitly confirmed (issue 13):
   * kept in the entry's payload on the server as the record of that confirmation.
   */
  allergenConfirmations: z.array(z.object({ itemId: z.string(), allergens: z.array(z.string()) })).optional(),
});
export type SalePayload = z.infer<typeof salePayloadSchema>;

export const refundPayloadSchema = salePayloadSchema.extend({
  refundOf: z.string().min(1),               // receiptId of the sale it reverses
  reason: z.string().max(500).optional(),
});
export type RefundPayload = z.infer<typeof refundPayloadSchema>;

export const cabinetPasswordPayloadSchema = z.looseObject({
  passwordHash: z.string().startsWith('$argon2id$', 'ожидается хеш argon2id'),
});

export const cardBlockPayloadSchema = z.looseObject({
  cardId: z.string().min(1),
  reason: z.string().max(500).optional(),
});

/**
 * «Выдача по заявке»: the fixed order line (docs/orders.md `order_lines.id`) was handed out. Serving charges
 * nothing (the fix charged); the server keeps one served mark per line whichever till marks it first.
 */
export const orderServedPayloadSchema = z.looseObject({
  orderLineId: z.string().min(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** How the cashier marked it: a card tap, a touch on the pupil's row, or the whole class at once. */
  by: z.enum(['card', 'touch', 'class']).optional(),
});
export type OrderServedPayload = z.infer<typeof orderServedPayloadSchema>;

/**
 * A closed shift's Z report as the till counted it (core/shift-report.ts), pushed after every entry of
 * the shift: the server compares it with what it holds for that shift (src/server/reports/z-reconcile.ts).
 * Receipt counts and sums as on the paper Z; subsidyTotal is the sales' subsidy minus the refunds'.
 */
export const zReportPayloadSchema = z.looseObject({
  shiftNumber: z.number().int().positive(),
  openedAt: z.iso.datetime({ offset: true }),
  closedAt: z.iso.datetime({ offset: true }),
  salesCount: z.number().int().nonnegative(),
  salesTotal: kopecksSchema,
  subsidyTotal: kopecksSchema,
  refundsCount: z.number().int().nonnegative(),
  refundsTotal: kopecksSchema,
  firstReceipt: z.string().nullable(),
  lastReceipt: z.string().nullable(),
});
export type ZReportPayload = z.infer<typeof zReportPayloadSchema>;

// ---------------------------------------------------------------------------
// Terminal enrolment: POST /api/v1/terminals/enroll (no token yet).

export const enrollRequestSchema = z.object({
  code: z.string().trim().min(6).max(64),
  /** Optional label the terminal reports about itself (host name). */
  hostName: z.string().max(200).optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
  terminalId: z.string(),
  terminalName: z.string(),
  schoolId: z.string(),
  schoolCode: z.string(),
  schoolName: z.string(),
  /** Bearer token for every later request: `Authorization: Bearer <token>`. Shown once, stored hashed. */
  token: z.string(),
  /**
   * The school's PIN pepper (base64url): staff PIN hashes in the pull are
   * argon2 hashes keyed with it, so the till keeps it like its token and a
   * leaked pull cannot be cracked offline (src/server/pins.ts).
   */
  pinPepper: z.string().min(16),
  /**
   * Printed in this till's receipt numbers ("24-2001983"): unique in its school, so two tills never print
   * the same number. Absent from older servers (the till keeps its own setting).
   */
  receiptSeries: z.string().regex(/^\d{0,3}$/).optional(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

// ---------------------------------------------------------------------------
// Push: POST /api/v1/sync/push, body PushRequest, answer PushResponse.
// Auth: `Authorization: Bearer <token>`; terminalId must be the token's terminal.
// 400 malformed (nothing changed), 401 bad/revoked token, 403 another school's
// account or another terminal's id (nothing changed). Errors: ApiErrorBody.

/** Body of every 4xx/5xx answer of the sync API. `message` is Russian. */
export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),                        // 'BAD_INPUT' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'INTERNAL' …
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

// ---------------------------------------------------------------------------
// Pull: GET /api/v1/sync/pull?cursor=C (Bearer token). The answer holds what
// changed for the terminal's school since C, or everything when `reset` is
// true (cursor absent, "0", unknown, or older than the server keeps). Rows
// are upserts by id; a row with `active: false` is to be removed/hidden.
// Cursor strings are opaque to the terminal: store and send back as is.

export const pullQuerySchema = z.object({
  // "xmin:xmax:xip,…" (a PostgreSQL snapshot), or a bare number from older servers.
  cursor: z.string().max(4000).regex(/^\d{1,20}(:\d{1,20}:(\d{1,20}(,\d{1,20})*)?)?$/, 'курсор: неверный формат').optional(),
});

export const pullAccountSchema = z.object({
  accountNumber: accountNumberSchema,
  studentId: z.string().nullable(),
  balance: kopecksSchema,
  /** Highest seq of THIS terminal whose entries the balance includes: show balance + Σ local entries with seq > lastSeq. */
  lastSeq: z.number().int().nonnegative(),
  dailyLimit: kopecksSchema.nullable(),
  hasPermanentPassword: z.boolean(),
  active: z.boolean(),
  /**
   * What OTHER tills (and the server) did on the account on the school day `day`, as far as the
   * server knows: sales minus refunds, and whether a benefit meal was given. The till adds its own
   * entries (sent or not), so two tills never give one child two free meals or twice the daily
   * limit while they are online. Absent from older servers.
   */
  today: z.object({
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    spentElsewhere: kopecksSchema,
    benefitUsedElsewhere: z.boolean(),
  }).optional(),
  /**
   * Kopecks reserved by the parents' open meal pre-orders (docs/orders.md): доступно = balance −
   * reserved. The reservation becomes a charge when the order is fixed. Absent from older servers.
   */
  reserved: kopecksSchema.optional(),
});
export type PullAccount = z.infer<typeof pullAccountSchema>;

export const pullCardSchema = z.object({
  cardId: z.string(),
  accountNumber: accountNumberSchema,
  state: z.enum(['active', 'blocked', 'lost']),
});

export const pullStudentSchema = z.object({
  id: z.string(),
  fullName: z.string(),
  className: z.string(),
  accountNumber: accountNumberSchema,
  benefitCategoryIds: z.array(z.string()),
  /** Allergen ids (src/core/allergens.ts). */
  allergies: z.array(z.string()).optional(),
  /** The pupil's photo (small JPEG/WebP, base64); null = none; absent = an older server (keep what the till has). */
  photo: z.object({ mime: z.enum(['image/jpeg', 'image/webp']), data: z.base64() }).nullable().optional(),
  active: z.boolean(),
});

export const pullCategorySchema = z.object({ id: z.string(), name: z.string(), sort: z.number().int(), active: z.boolean() });
export const pullDishSchema = z.object({
  id: z.string(),
  name: z.string(),
  price: kopecksSchema,
  categoryId: z.string(),
  hotkey: z.string().nullable(),
  sort: z.number().int(),
  /** Allergen ids the item contains (for a meal set: its own and its dishes'). */
  allergens: z.array(z.string()).optional(),
  active: z.boolean(),
});
export const pullMealSetSchema = pullDishSchema.extend({ dishIds: z.array(z.string()) });

export const pullBenefitCategorySchema = z.object({ id: z.string(), name: z.string(), active: z.boolean() });
/** Category → meal set → what the parents pay (0 = free); the rest is the budget's subsidy. */
export const pullBenefitRuleSchema = z.object({
  id: z.string(),
  benefitCategoryId: z.string(),
  mealSetId: z.string(),
  parentPays: kopecksSchema,
  active: z.boolean(),
});
/** Parent's bans for one account; replaces the terminal's whole list for that account. */
export const pullBarredSchema = z.object({
  accountNumber: accountNumberSchema,
  itemIds: z.array(z.string()),
  categoryIds: z.array(z.string()),
});
export const pullCashierSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['cashier', 'manager']),
  pinHash: z.string(),                       // argon2id
  active: z.boolean(),
});
export const pullSettingsSchema = z.object({
  schoolId: z.string(),
  schoolCode: z.string(),
  schoolName: z.string(),
  timeZone: z.string(),
  cabinetUrl: z.string(),
  /** How far an account may go below zero while offline (positive kopecks). */
  overdraftLimit: kopecksSchema,
  /** Warn when the terminal has not synced for this long. */
  staleAfterMinutes: z.number().int().positive(),
  /** A dish with one of the pupil's allergens: confirmed by the cashier, or refused. */
  allergenPolicy: z.enum(['confirm', 'refuse']).optional(),
  terminalId: z.string(),
  terminalName: z.string(),
  /** This till's receipt series (see enrollResponseSchema); a till takes it while it has printed no receipt. */
  receiptSeries: z.string().regex(/^\d{0,3}$/).optional(),
});

/** A sitting (завтрак, обед …) as the till shows it in «Выдача по заявке». */
export const pullSittingSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  sort: z.number().int(),
  /** Classes that eat at this sitting: the till lists them even on a day with no fixed lines. Absent from older servers. */
  classNames: z.array(z.string()).optional(),
});
/**
 * One fixed order line (docs/orders.md): a pupil's meal at a sitting of a day, to be served at the till.
 * The pupil's name and class come from the roster (students[]), as for a card tap.
 */
export const pullOrderLineSchema = z.object({
  id: z.string(),
  className: z.string(),
  sittingId: z.string(),
  studentId: z.string(),
  accountNumber: accountNumberSchema.nullable(),
  mealSetId: z.string(),
  mealSetName: z.string(),
  /** The set's dishes' names, for the cashier. */
  dishes: z.array(z.string()),
  parentAmount: kopecksSchema,
  subsidyAmount: kopecksSchema,
  /** Reversed by a manager after the fix (the child went home): not to be served. */
  reversed: z.boolean(),
});
export const pullOrderDaySchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Every fixed line of the school for the day: the till replaces its lines of that day with these. */
  lines: z.array(pullOrderLineSchema),
});
/**
 * Fixed orders for «Выдача по заявке» (issue 15): the days (from today on) whose lines changed since the cursor,
 * each whole; `served` = line ids any till marked served (changed since the cursor; all of today's on a reset).
 * `sittings` is the school's whole list (with their classes), sent on a reset, when a sitting changed, and with
 * any day: the till replaces its list, so it shows the sittings offline and on a day with no lines.
 * A till drops its lines of days before `from`. Absent from older servers; an older till ignores it.
 */
export const pullOrdersSchema = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sittings: z.array(pullSittingSchema),
  days: z.array(pullOrderDaySchema),
  served: z.array(z.string()),
});
export type PullOrders = z.infer<typeof pullOrdersSchema>;

export const pullResponseSchema = z.object({
  cursor: z.string(),
  reset: z.boolean(),
  /** The terminal's lastSeq on the server at this snapshot (every account's lastSeq equals it). */
  lastSeq: z.number().int().nonnegative(),
  settings: pullSettingsSchema,              // always sent (small)
  accounts: z.array(pullAccountSchema),
  cards: z.array(pullCardSchema),
  students: z.array(pullStudentSchema),
  menu: z.object({
    categories: z.array(pullCategorySchema),
    dishes: z.array(pullDishSchema),
    mealSets: z.array(pullMealSetSchema),
  }),
  benefitCategories: z.array(pullBenefitCategorySchema),
  benefitRules: z.array(pullBenefitRuleSchema),
  barredItems: z.array(pullBarredSchema),
  cashiers: z.array(pullCashierSchema),
  orders: pullOrdersSchema.optional(),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/**
 * WebSocket GET /api/v1/sync/poke (Bearer token in the Authorization header
 * only: a token in the URL would end up in logs): the server sends an empty text message ("") whenever
 * the terminal's school data changes; the terminal pulls at once.
 */
/**
 * The sync wire format's version, sent by both ends in `x-canteen-sync-wire` on
 * push and pull. Within a version every change is additive: a new field is
 * optional, and each end ignores fields it does not know (zod strips them), so a
 * till and a server one version apart keep working (tests/sync/wire-versions.test.ts).
 * A change that is not additive raises SYNC_WIRE; an end refuses the other only
 * when it is below its SYNC_WIRE_MIN, with a Russian reason. A request or answer
 * without the header is version 1 (tills and servers before issue 18).
 */
export const SYNC_WIRE_HEADER = 'x-canteen-sync-wire';
export const SYNC_WIRE = 2;
export const SYNC_WIRE_MIN = 1;

/** The version an end announced (absent: 1; unreadable: 0, refused). */
export function wireVersionOf(header: string | string[] | null | undefined): number {
  if (header === undefined || header === null) return 1;
  const v = Number(Array.isArray(header) ? header[0] : header);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export const SYNC_PATHS = {
  enroll: '/api/v1/terminals/enroll',
  push: '/api/v1/sync/push',
  pull: '/api/v1/sync/pull',
  poke: '/api/v1/sync/poke',
  /** POST …/<request id>: the diagnostic bundle the console asked for (src/terminal/diagnostics.ts). */
  diagnostics: '/api/v1/sync/diagnostics',
} as const;

/** On a pull's answer: the console wants a diagnostic bundle; the value is the request's id. */
export const DIAGNOSTICS_HEADER = 'x-canteen-diagnostics';

/** electron-updater's generic feed for tills (latest.yml … and the files; Bearer token as sync). */
export const UPDATES_PATH = '/api/v1/updates';

/**
 * With a 503 (server busy) the server says when to come back in ms, following its queue (the
 * standard Retry-After carries the same rounded up to whole seconds, for other clients); the till
 * waits that long instead of its own exponential backoff.
 */
export const RETRY_AFTER_MS_HEADER = 'x-canteen-retry-after-ms';

// ---------------------------------------------------------------------------
// Till status: sent with every pull in the header `x-canteen-till-status`
// (JSON, ASCII), optional. The server keeps the last one for the console's
// status table; clock skew = server time − sentAt.

export const TILL_STATUS_HEADER = 'x-canteen-till-status';
const statusWord = z.string().max(60).regex(/^[\x20-\x7e]*$/);
export const tillStatusSchema = z.object({
  sentAt: z.string().max(40),
  appVersion: statusWord.optional(),
  /** Entries in the outbox not yet acknowledged. */
  pendingEntries: z.number().int().min(0).optional(),
  /** When the last Z report closed a shift (till clock), null if never. */
  lastZAt: z.string().max(40).nullable().optional(),
  /** Device states as short codes: "ok", "paperOut", "offline", "simulated" … */
  printer: statusWord.optional(),
  reader: statusWord.optional(),
  /** The update policy's state: "downloaded 1.2.0 wait shift", "installed 1.1.0>1.2.0", "rolledBack 1.2.0>1.1.0" … */
  update: statusWord.optional(),
});
export type TillStatus = z.infer<typeof tillStatusSchema>;

