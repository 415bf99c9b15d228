import { eq, sql } from 'drizzle-orm';
import { orderSettings } from '../db/orders-schema.js';
import { query, type Tx } from '../db/open.js';
import { checkVersion, writeAudit, type Actor } from '../audit.js';
import { HttpError } from '../errors.js';
import { schoolDay } from '../../core/datetime.js';
import { addDays } from '../../core/period.js';
import { cutoffInstant, describeCutoff, isSchoolDay } from '../../core/orders.js';
import type { OrderSettingsInput, OrderSettingsView } from '../../api/admin/order-setup.js';
import { calendarFacts, getOrderSettings, schoolTimeZone, type OrderSettingsRow } from './school-facts.js';

/**
 * The school's order settings (docs/orders.md) as the console edits them: versioned (0 = the
 * defaults, never saved) and audited. A new cutoff applies to days not fixed yet; a fixed day stays
 * fixed (its `class_orders` state is what the cabinet and the fix read, not the cutoff), and the
 * answer names the days the new cutoff closes at once, which the scheduler fixes within a minute.
 */
export const SETTINGS_ENTITY = 'orderSettings';

function view(r: OrderSettingsRow): OrderSettingsView {
  return {
    cutoffKind: r.cutoffKind, cutoffTime: r.cutoffTime, notEatenPolicy: r.notEatenPolicy, horizonDays: r.horizonDays,
    primaryFree: r.primaryFree, primaryFundingSource: r.primaryFundingSource, version: r.version, cutoffText: describeCutoff(r),
  };
}

export async function orderSettingsView(db: Tx, schoolId: string): Promise<OrderSettingsView> {
  return view(await getOrderSettings(db, schoolId));
}

export async function putOrderSettings(tx: Tx, actor: Actor, schoolId: string, input: OrderSettingsInput, now: Date): Promise<OrderSettingsView> {
  const tz = await schoolTimeZone(tx, schoolId);
  await tx.execute(sql`SELECT 1 FROM order_settings WHERE school_id = ${schoolId} FOR UPDATE`);
  const before = await getOrderSettings(tx, schoolId);
  await checkVersion(tx, SETTINGS_ENTITY, schoolId, { ...view(before) }, input.version);
  const { version: _read, ...fields } = input;
  // Two first saves at once both read "no row, version 0": the second one's upsert finds the first's row at version 1 and updates nothing.
  const [row] = await tx.insert(orderSettings).values({ schoolId, ...fields, version: before.version + 1 })
    .onConflictDoUpdate({ target: orderSettings.schoolId, set: { ...fields, version: before.version + 1 }, where: eq(orderSettings.version, before.version) }).returning();
  if (!row) {
    const current = await getOrderSettings(tx, schoolId);
    await checkVersion(tx, SETTINGS_ENTITY, schoolId, { ...view(current) }, input.version);
    throw new HttpError(409, 'CONFLICT', 'Настройки заказа только что сохранил другой сотрудник: обновите страницу');
  }
  const after = view(row!);
  await writeAudit(tx, actor, { action: 'orderSettings.update', entity: SETTINGS_ENTITY, entityId: schoolId, schoolId, before: view(before), after });

  const today = schoolDay(now, tz);
  const calendar = await calendarFacts(tx, schoolId, today, addDays(today, 1));
  const fixed = new Set((await query<{ day: string }>(tx, sql`SELECT DISTINCT day::text AS day FROM class_orders
    WHERE school_id = ${schoolId} AND state = 'fixed' AND day IN (${today}::date, ${addDays(today, 1)}::date)`)).map((r) => r.day));
  const closesNow = [today, addDays(today, 1)].filter((d) => isSchoolDay(d, calendar) && !fixed.has(d)
    && cutoffInstant(d, before, tz) > now && cutoffInstant(d, row!, tz) <= now);
  return { ...after, closesNow };
}
