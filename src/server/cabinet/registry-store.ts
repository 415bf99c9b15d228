import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { schoolDay } from '../../core/datetime.js';
import { bankRegistries } from '../db/reports-schema.js';
import { query, type Tx } from '../db/open.js';
import type { ParsedRegistry } from './registry.js';

/**
 * Imported bank registries, kept as the bytes the bank sent (bank_registries): the reconciliation
 * report (src/server/reports/registry-section.ts) reads each registry of its period again and
 * checks it against the payments with registry-reconcile.ts. The same file of the same bank is
 * kept once (importing it again credits nothing either).
 */
export async function storeRegistry(db: Tx, bytes: Uint8Array, source: string, parsed: ParsedRegistry, timeZone: string): Promise<void> {
  const days = parsed.lines.map((l) => schoolDay(l.paidAt, timeZone)).sort();
  await db.insert(bankRegistries).values({
    id: uuidv7(), source, sha256: createHash('sha256').update(bytes).digest('hex'),
    fromDay: days[0] ?? null, toDay: days[days.length - 1] ?? null,
    lines: parsed.lines.length, total: parsed.lines.reduce((a, l) => a + l.amount, 0), bytes: Buffer.from(bytes),
  }).onConflictDoNothing();
}

export interface StoredRegistry { id: string; source: string; fromDay: string; toDay: string; importedAt: string; bytes: Buffer }

/** Registries with a day in from..to (inclusive), oldest first. */
export async function registriesBetween(db: Tx, from: string, to: string): Promise<StoredRegistry[]> {
  const rows = await query<{ id: string; source: string; from_day: string; to_day: string; imported_at: unknown; bytes: Buffer | Uint8Array }>(db, sql`
    SELECT id, source, from_day, to_day, imported_at, bytes FROM bank_registries
    WHERE from_day <= ${to} AND to_day >= ${from} ORDER BY from_day, imported_at`);
  return rows.map((r) => ({
    id: r.id, source: r.source, fromDay: r.from_day, toDay: r.to_day, importedAt: new Date(r.imported_at as string).toISOString(),
    bytes: Buffer.isBuffer(r.bytes) ? r.bytes : Buffer.from(r.bytes),
  }));
}
