// Sells in a tight loop until killed. Used by crash.test.ts; argv: dbPath.
import { v7 as uuidv7 } from 'uuid';
import { openTerminal } from '../../src/terminal/index.js';
import { DEMO_CARDS } from '../../src/core/demo-school.js';

const dbPath = process.argv[2]!;
const t = await openTerminal({ requireTap: false, dbPath, seed: true });
const s = t.service;
if (!(await s.login('9999')).ok) process.exit(3);
const st = await s.status();
if (st.ok && !st.value.shift) await s.openShift();
const carts = [
  { cardId: DEMO_CARDS.ivanov, lines: [{ itemId: 'dish-kasha-grech', quantity: 1 }, { itemId: 'dish-kotleta-kur', quantity: 1 }, { itemId: 'dish-sok', quantity: 1 }] },
  { cardId: DEMO_CARDS.freeBreakfast, lines: [{ itemId: 'set-breakfast-1-4', quantity: 1 }, { itemId: 'dish-bulochka', quantity: 1 }, { itemId: 'dish-sok', quantity: 1 }] },
  { cardId: DEMO_CARDS.subsidised, lines: [{ itemId: 'set-breakfast-1-4', quantity: 1 }, { itemId: 'dish-ris', quantity: 1 }, { itemId: 'dish-sok', quantity: 1 }] },
];
process.stdout.write('ready\n');
let i = 0;
for (;;) {
  const c = carts[i % carts.length]!;
  const r = await s.sell({ saleId: uuidv7(), ...c });
  if (!r.ok) { process.stderr.write(JSON.stringify(r.error) + '\n'); process.exit(4); }
  // Every 5th sale the till is idle for a moment: the running sums are folded and the WAL is
  // checkpointed, so crashes also land inside that write-behind work.
  if ((i + 1) % 5 === 0) s.idleWork();
  // Every 7th sale is refunded, so crashes also land inside refunds.
  if (++i % 7 === 0) {
    const ref = await s.refund(r.value.receiptId, 'проверка');
    if (!ref.ok) { process.stderr.write(JSON.stringify(ref.error) + '\n'); process.exit(5); }
  }
}
