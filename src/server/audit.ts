import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import { auditLog } from './db/staff-schema.js';
import { query, type Tx } from './db/open.js';
import { HttpError } from './errors.js';

/** Who does a staff write: a person signed in to the console, or the command line (staffId null). */
export interface Actor {
  staffId: string | null;
  /** Shown in the log: the person's name, or "cli:<os user>". */
  name: string;
  ip?: string | null;
  /** The school the request was made at (`/schools/:schoolId/…`): what a staff write concerns there is logged under it. */
  atSchool?: string | null;
}

export interface AuditInput {
  action: string;
  entity: string;
  entityId?: string | null;
  schoolId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends one row to the audit log, in the caller's transaction: the write and
 * its record commit together or not at all. Secrets never go in (callers pass
 * views without hashes).
 */
export async function writeAudit(tx: Tx, actor: Actor, e: AuditInput): Promise<void> {
  await tx.insert(auditLog).values({
    staffId: actor.staffId, actor: actor.name, ip: actor.ip ?? null,
    schoolId: e.schoolId ?? null, action: e.action, entity: e.entity, entityId: e.entityId ?? null,
    before: e.before === undefined ? null : e.before, after: e.after === undefined ? null : e.after,
  });
}

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditSearch {
  /** Only these schools (null: every school and the district-wide rows). */
  schoolIds: string[] | null;
  staffId?: string;
  action?: string;
  entity?: string;
  entityId?: string;
  from?: string;
  to?: string;
  /** Rows with a smaller id (paging backwards from the newest). */
  beforeId?: number;
  limit?: number;
}

/** The newest rows first, filtered; a school's staff see only rows of their schools. */
export async function searchAudit(db: Tx, s: AuditSearch): Promise<AuditRow[]> {
  const where: (SQL | undefined)[] = [
    s.schoolIds ? (s.schoolIds.length ? sql`${auditLog.schoolId} IN (${sql.join(s.schoolIds.map((id) => sql`${id}`), sql`, `)})` : sql`false`) : undefined,
    s.staffId ? eq(auditLog.staffId, s.staffId) : undefined,
    s.action ? eq(auditLog.action, s.action) : undefined,
    s.entity ? eq(auditLog.entity, s.entity) : undefined,
    s.entityId ? eq(auditLog.entityId, s.entityId) : undefined,
    s.from ? gte(auditLog.at, s.from) : undefined,
    s.to ? lte(auditLog.at, s.to) : undefined,
    s.beforeId ? lt(auditLog.id, s.beforeId) : undefined,
  ];
  return db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(s.limit ?? 100);
}

/**
 * Optimistic concurrency. `current` is the record as stored now (with its
 * version), `expected` the version the client read. On a mismatch: 409 with
 * the fields changed since that version (from the audit log's before/after of
 * the saves in between, each with its value now) and who saved them.
 */
export async function checkVersion(db: Tx, entity: string, entityId: string, current: { version: number } & Record<string, unknown>, expected: number): Promise<void> {
  if (current.version === expected) return;
  const rows = await query<{ before: Record<string, unknown> | null; after: Record<string, unknown> | null; actor: string; at: string }>(db, sql`
    SELECT before, after, actor, at::text AS at FROM ${auditLog}
    WHERE entity = ${entity} AND entity_id = ${entityId}
      AND (after->>'version') ~ '^[0-9]+$' AND (after->>'version')::int > ${expected}
    ORDER BY id`);
  const changed: Record<string, unknown> = {};
  for (const r of rows) {
    for (const key of new Set([...Object.keys(r.before ?? {}), ...Object.keys(r.after ?? {})])) {
      if (key === 'version' || key === 'updatedAt') continue;
      if (JSON.stringify(r.before?.[key]) !== JSON.stringify(r.after?.[key])) changed[key] = current[key];
    }
  }
  const by = [...new Set(rows.map((r) => r.actor))];
  throw new HttpError(409, 'CONFLICT',
    `Запись уже изменил${by.length ? ` ${by.join(', ')}` : 'и'} после того, как вы её открыли: обновите страницу и внесите правку снова. Ничего не сохранено.`,
    { currentVersion: current.version, changed, by });
}
