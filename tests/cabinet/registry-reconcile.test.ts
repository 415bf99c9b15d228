import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Browser, balanceOf, count, startCabinet, type CabinetTest } from './helpers.js';
import { importRegistry } from '../../src/server/cabinet/registry-import.js';
import { discrepancies, formatReconcile, reconcileRegistry } from '../../src/server/cabinet/registry-reconcile.js';

/**
 * The bank's daily registry against what was credited (docs/samples/registry-sample.csv
 * and files made from it), and card payments that the bank lists in its
 * registry too: recognised by the bank's order id or our order number,
 * credited once (by the gateway), never again by the registry.
 */
const IVANOV = '0242013137';
const PETROVA = '0242013145';
const SAMPLE = readFileSync('docs/samples/registry-sample.csv', 'utf8');

let t: CabinetTest;
let b: Browser;
beforeAll(async () => {
  t = await startCabinet();
  b = new Browser(t.app, '10.11.0.1');
  await b.login(IVANOV, 'demo-0242013137');
}, 180_000);
afterAll(async () => { await t?.close(); });

/** A card top-up through the cabinet; paid on the test bank's page unless `pay` is false. Returns our order id and the bank's. */
async function cardPayment(amount: string, pay = true): Promise<{ orderId: string; externalId: string }> {
  await b.get('/cabinet/topup');
  const res = await b.post('/cabinet/topup', { amount });
  const externalId = String(res.headers.location).split('/').pop()!;
  if (pay) await t.gateway.complete(externalId, 'paid');
  return { orderId: t.gateway.order(externalId)!.orderId, externalId };
}

const file = (lines: string[]) => Buffer.from(['Номер платежа;Дата;Лицевой счёт;Сумма;Плательщик', ...lines].join('\n'), 'utf8');

describe('registry reconciliation', () => {
  it('the sample registry once imported: "расхождений нет"; reconciling changes nothing', async () => {
    const imported = await importRegistry(t.handle.db, Buffer.from(SAMPLE), { now: t.clock.now });
    expect(imported.credited).toHaveLength(3);
    const entries = await count(t.handle, 'entries');
    const r = await reconcileRegistry(t.handle.db, Buffer.from(SAMPLE));
    expect([r.from, r.to, r.lines, r.matched, discrepancies(r)]).toEqual(['2026-03-14', '2026-03-15', 3, 3, 0]);
    expect(formatReconcile(r)).toContain('Итог: расхождений нет');
    expect(await count(t.handle, 'entries')).toBe(entries);
  });

  it('reports what is in the registry but not credited, credited but not in the registry, and different amounts', async () => {
    const [, l1, l2, l3] = SAMPLE.trim().split(/\r?\n/);
    const changed = file([
      l1!.replace('500,00', '600,00'),          // credited 500,00
      l3!,                                      // as credited
      '100045899;14.03.2026;0242013145;75,00;Петров С.И.',   // never imported
    ]);                                         // 100045872 (14.03, 1 000,00) credited but left out
    const r = await reconcileRegistry(t.handle.db, changed);
    expect(r.matched).toBe(1);
    expect(r.different.map((d) => [d.paymentId, d.amount, d.credited.amount])).toEqual([['100045871', 60000, 50000]]);
    expect(r.missing.map((m) => [m.paymentId, m.amount])).toEqual([['100045899', 7500]]);
    expect(r.extra.map((c) => [c.paymentId, c.accountNumber, c.amount])).toEqual([['100045872', PETROVA, 100000]]);
    const text = formatReconcile(r).replace(/[\u00a0\u202f]/g, ' ');   // thousands are grouped with a no-break space
    expect(text).toContain('В реестре, но не зачислено: 1\n  строка 4: платёж 100045899, Л/С 0242013145, 75,00 ₽');
    expect(text).toContain('Зачислено, но нет в реестре: 1\n  платёж 100045872 (по реестру), Л/С 0242013145, 1 000,00 ₽, 14.03.2026 18:40');
    expect(text).toContain('Суммы или счета расходятся: 1\n  строка 2: платёж 100045871: в реестре Л/С 0242013137, 600,00 ₽; зачислено (по реестру) Л/С 0242013137, 500,00 ₽');
    expect(text).toContain('Итог: расхождений 3');
  });

  it('card payments listed in the registry are recognised and never credited twice; reconciliation matches them', async () => {
    const paid = await cardPayment('300');
    const pending = await cardPayment('200', false);
    const unlisted = await cardPayment('100');
    const ivanov = await balanceOf(t.handle, IVANOV);
    const petrova = await balanceOf(t.handle, PETROVA);
    const day = '16.03.2026';
    const registry = (extra: string[] = []) => file([
      `${paid.externalId};${day};${IVANOV};300,00;Иванова М.П.`,                        // by the bank's order id
      `${pending.orderId.replace(/-/g, '')};${day};${IVANOV};200,00;Иванова М.П.`,      // by our order number
      `R-16-1;${day};${PETROVA};150,00;Петров С.И.`,
      ...extra,
    ]);
    const imported = await importRegistry(t.handle.db, registry(), { source: 'sber', now: t.clock.now });
    expect(imported.credited.map((c) => c.paymentId)).toEqual(['R-16-1']);
    expect(imported.viaCard.map((c) => [c.paymentId, c.message])).toEqual([
      [paid.externalId, 'уже зачислен как оплата картой, по реестру не зачисляется'],
      [pending.orderId.replace(/-/g, ''), 'оплата картой ждёт подтверждения банка: зачислится по нему, не по реестру'],
    ]);
    expect(imported.rejected).toEqual([]);
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov);
    expect(await balanceOf(t.handle, PETROVA)).toBe(petrova + 15000);
    // Importing again, or the pending payment confirmed afterwards: each card payment still counted once.
    await importRegistry(t.handle.db, registry(), { source: 'sber', now: t.clock.now });
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov);

    let r = await reconcileRegistry(t.handle.db, registry(), { bank: 'sber' });
    expect(r.matched).toBe(2);
    expect(r.missing.map((m) => [m.paymentId, m.note])).toEqual([[pending.orderId.replace(/-/g, ''), 'оплата картой ещё ждёт подтверждения банка']]);
    expect(r.extra.map((c) => [c.paymentId, c.source])).toEqual([[unlisted.externalId, 'gateway:test']]);
    expect(formatReconcile(r)).toContain(`платёж ${unlisted.externalId} (оплата картой), Л/С ${IVANOV}, 100,00 ₽`);

    await t.gateway.complete(pending.externalId, 'paid');
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov + 20000);
    r = await reconcileRegistry(t.handle.db, registry([`${unlisted.externalId};${day};${IVANOV};100,00;Иванова М.П.`]), { bank: 'sber' });
    expect([r.matched, discrepancies(r)]).toEqual([4, 0]);
    expect(formatReconcile(r)).toContain('Итог: расхождений нет');
  });

  it('a registry line naming a card payment for another amount is not credited and is shown for a person to check', async () => {
    const paid = await cardPayment('50');
    const ivanov = await balanceOf(t.handle, IVANOV);
    const imported = await importRegistry(t.handle.db, file([`${paid.externalId};16.03.2026;${IVANOV};5 000,00;Иванова`]), { source: 'sber', now: t.clock.now });
    expect(imported.credited).toEqual([]);
    expect(imported.rejected.map((x) => [x.reason, x.message])).toEqual([['acquiring', `оплата картой на Л/С ${IVANOV}, 50,00 ₽ — в реестре иначе; проверьте вручную`]]);
    expect(await balanceOf(t.handle, IVANOV)).toBe(ivanov);
    const r = await reconcileRegistry(t.handle.db, file([`${paid.externalId};16.03.2026;${IVANOV};5 000,00;Иванова`]), { bank: 'sber' });
    expect(r.different.map((d) => [d.amount, d.credited.amount, d.credited.source])).toEqual([[500000, 5000, 'gateway:test']]);
  });
});
