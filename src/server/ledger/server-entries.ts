import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { accounts, entries, entryIds } from '../db/schema.js';
import type { Db, Tx } from '../db/open.js';
import { HttpError } from '../errors.js';
import { recordChanges } from '../changes.js';
import { addToBalances } from './balances.js';

export interface ServerEntryInput {
  accountNumber: string;
  amount: number;                       // signed kopecks
  kind: 'topUp' | 'correction';
  /** Idempotency key made by the caller (a bank registry line, a cabinet payment); new UUIDv7 when absent. */
  uuid?: string;
  createdAt?: string;
  payload?: Record<string, unknown>;
}

/**
 * A server-made entry (top-up, correction) in the caller's transaction:
 * entry + running balance + change log together. Returns false when the uuid
 * was already recorded (a retried payment is not counted twice).
 */
export async function addServerEntry(tx: Tx, input: ServerEntryInput): Promise<{ created: boolean; uuid: string; balance: number }> {
  if (!Number.isSafeInteger(input.amount)) throw new HttpError(400, 'BAD_INPUT', 'Сумма должна быть целым числом копеек');
  const [acc] = await tx.select({ schoolId: accounts.schoolId, balance: accounts.balance })
    .from(accounts).where(eq(accounts.accountNumber, input.accountNumber)).for('update');
  if (!acc) throw new HttpError(404, 'NOT_FOUND', `Лицевой счёт ${input.accountNumber} не найден`);
  const uuid = input.uuid ?? uuidv7();
  const createdAt = input.createdAt ?? new Date().toISOString();
  const fresh = await tx.insert(entryIds).values({ uuid, schoolId: acc.schoolId, createdAt })
    .onConflictDoNothing().returning({ uuid: entryIds.uuid });
  if (fresh.length === 0) return { created: false, uuid, balance: acc.balance };
  await tx.insert(entries).values({
    uuid, schoolId: acc.schoolId, createdAt, kind: input.kind, accountNumber: input.accountNumber,
    amount: input.amount, payload: input.payload ?? {},
  });
  await addToBalances(tx, new Map([[input.accountNumber, input.amount]]));
  await recordChanges(tx, acc.schoolId, 'account', [input.accountNumber]);
  return { created: true, uuid, balance: acc.balance + input.amount };
}

export async function recordTopUp(db: Db, accountNumber: string, amount: number, payload: Record<string, unknown> = {}, uuid?: string) {
  if (amount <= 0) throw new HttpError(400, 'BAD_INPUT', 'Сумма пополнения должна быть больше нуля');
  return db.transaction((tx) => addServerEntry(tx, { accountNumber, amount, kind: 'topUp', payload, uuid }));
}

