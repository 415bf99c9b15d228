import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { query, type Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { writeAudit, type Actor } from '../audit.js';
import { recordChanges } from '../changes.js';

/**
 * A change after the fix (the child went home ill) is the manager's decision: the line stays as
 * it was, and two new entries give back what it took: `orderReversal` (+parents' share) on the
 * pupil's account and `subsidy` (+budget's share) on the school's subsidy account. Their ids are
 * made once in `order_reversals` (one per line), so a repeated request reverses nothing twice.
 */
export async function reverseLine(db: Tx, actor: Actor, schoolId: string, lineId: string, reason: string, now: Date) {
  const [line] = await query<{ id: string; account_number: string | null; parent_amount: number | string; subsidy_amount: number | string; day: string; meal_set_name: string; funding_source: string | null }>(db, sql`
    SELECT id, account_number, parent_amount, subsidy_amount, day::text AS day, meal_set_name, funding_source FROM order_lines
    WHERE school_id = ${schoolId} AND id = ${lineId} FOR UPDATE`);
  if (!line) throw new HttpError(404, 'NOT_FOUND', 'Строка заявки не найдена');
  const entryId = uuidv7();
  const subsidyEntryId = uuidv7();
  const made = await query<{ line_id: string }>(db, sql`INSERT INTO order_reversals (line_id, school_id, entry_id, subsidy_entry_id, reason, decided_by, decided_at)
    VALUES (${lineId}, ${schoolId}, ${entryId}, ${subsidyEntryId}, ${reason}, ${actor.staffId ?? actor.name}, ${now.toISOString()})
    ON CONFLICT (line_id) DO NOTHING RETURNING line_id`);
  if (!made.length) throw new HttpError(409, 'CONFLICT', 'Эта строка заявки уже возвращена');
  const at = now.toISOString();
  const parent = Number(line.parent_amount);
  const budget = Number(line.subsidy_amount);
  if (parent > 0 && line.account_number) {
    await db.execute(sql`INSERT INTO entry_ids (uuid, school_id, created_at) VALUES (${entryId}, ${schoolId}, ${at})`);
    await db.execute(sql`INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      VALUES (${entryId}, ${schoolId}, ${at}, 'orderReversal', ${line.account_number}, ${parent},
        ${JSON.stringify({ orderLineId: lineId, day: line.day, reason, title: `Возврат за питание по заявке ${line.day.split('-').reverse().join('.')}: ${line.meal_set_name}` })}::jsonb)`);
    await db.execute(sql`UPDATE accounts SET balance = balance + ${parent}, updated_at = now() WHERE account_number = ${line.account_number}`);
    await recordChanges(db, schoolId, 'account', [line.account_number]);
  }
  if (budget > 0) {
    await db.execute(sql`INSERT INTO entry_ids (uuid, school_id, created_at) VALUES (${subsidyEntryId}, ${schoolId}, ${at})`);
    await db.execute(sql`INSERT INTO entries (uuid, school_id, created_at, kind, account_number, amount, payload)
      VALUES (${subsidyEntryId}, ${schoolId}, ${at}, 'subsidy', NULL, ${budget},
        ${JSON.stringify({ orderLineId: lineId, day: line.day, fundingSource: line.funding_source, reversal: true, reason })}::jsonb)`);
  }
  await writeAudit(db, actor, { action: 'orderLine.reverse', entity: 'orderLine', entityId: lineId, schoolId, after: { reason, refunded: parent, subsidyReturned: budget } });
  return { lineId, entryId, subsidyEntryId, refunded: line.account_number ? parent : 0, subsidyReturned: budget };
}
