import { verify } from '@node-rs/argon2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../src/core/demo-school.js';
import { openTerminal } from '../../src/terminal/index.js';
import { checkIntegrity } from '../../src/terminal/integrity.js';
import { pendingEntries } from '../../src/terminal/outbox.js';
import { REDACTED_PASSWORD } from '../../src/terminal/print-jobs.js';
import { SqlitePrintJobStore } from '../../src/terminal/print-queue-store.js';
import { demoTerminal } from './terminal-helpers.js';

type T = Awaited<ReturnType<typeof demoTerminal>>;
const SOK = [{ itemId: 'dish-sok', quantity: 1 }];
const PETROVA = { card: DEMO_CARDS.freeBreakfast, account: '0242013145' }; // no permanent password
let n = 0;
const sid = () => `cab-${++n}`;

async function ready(t: T) {
  expect((await t.service.login('1111')).ok).toBe(true);
  expect((await t.service.openShift()).ok).toBe(true);
  return t.service;
}

const cabinetEntries = (t: T, account: string) => pendingEntries(t.sqlite).filter((e) => e.kind === 'cabinetPassword' && e.accountNumber === account);
const jobPayload = (t: T, id: string) => JSON.parse(t.sqlite.prepare('SELECT payload FROM print_jobs WHERE id = ?').pluck().get(id) as string);
/** Every place the terminal stores text a password could hide in. */
const storedAnywhere = (t: T, secret: string) => t.sqlite.prepare(
  `SELECT (SELECT count(*) FROM print_jobs WHERE instr(payload, @s) > 0) + (SELECT count(*) FROM receipts WHERE instr(doc, @s) > 0)
        + (SELECT count(*) FROM entries WHERE instr(payload, @s) > 0)`,
).pluck().get({ s: secret }) as number;

describe('temporary cabinet password on the first sale receipt', () => {
  let t: T;
  beforeEach(async () => { t = await demoTerminal(); });
  afterEach(() => t.close());

  it('first sale of an account without a permanent password prints the login block and queues only the argon2id hash', async () => {
    const s = await ready(t);
    const r = await s.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK });
    if (!r.ok) throw new Error(r.error.message);
    const login = r.value.receipt.cabinetLogin;
    expect(login).toMatchObject({ url: 'https://k.canteen.local', login: PETROVA.account });
    expect(login!.password).toMatch(/^[a-hjkmnp-z2-9]{8}$/);
    // The printed slip carries it; the stored receipt (reprints, receipt()) does not.
    expect(jobPayload(t, r.value.printJobId!).cabinetLogin).toEqual(login);
    const doc = await s.receipt(r.value.receiptId);
    expect(doc.ok && doc.value.cabinetLogin).toBeUndefined();
    // One cabinetPassword entry, in the sale's transaction, with a hash of exactly the printed password.
    const entries = cabinetEntries(t, PETROVA.account);
    expect(entries).toHaveLength(1);
    const hash = String(entries[0]!.payload.passwordHash);
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verify(hash, login!.password)).toBe(true);
    expect(JSON.stringify(pendingEntries(t.sqlite))).not.toContain(login!.password);
    expect(storedAnywhere(t, login!.password)).toBe(1); // the print job, until printed
    expect(checkIntegrity(t.sqlite)).toEqual([]);

    // The second sale does not print it again.
    const second = await s.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK });
    expect(second.ok && second.value.receipt.cabinetLogin).toBeUndefined();
    expect(cabinetEntries(t, PETROVA.account)).toHaveLength(1);
  });

  it('an account with a permanent password never gets one', async () => {
    const s = await ready(t);
    for (let i = 0; i < 2; i++) {
      const r = await s.sell({ saleId: sid(), cardId: DEMO_CARDS.ivanov, lines: SOK });
      expect(r.ok && r.value.receipt.cabinetLogin).toBeUndefined();
    }
    expect(pendingEntries(t.sqlite).some((e) => e.kind === 'cabinetPassword')).toBe(false);
  });

  it('the plaintext is gone from print_jobs once the job is printed', async () => {
    const s = await ready(t);
    const r = await s.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK });
    if (!r.ok) throw new Error(r.error.message);
    const password = r.value.receipt.cabinetLogin!.password;
    // The printer helper's store marks jobs like this; the trigger of migration 0005 blanks the password in that statement.
    const store = new SqlitePrintJobStore(t.sqlite);
    expect(store.markPrinting(r.value.printJobId!)).toBe(true);
    expect(storedAnywhere(t, password)).toBe(1); // still needed while it prints
    store.markPrinted(r.value.printJobId!, t.clock.now().toISOString());
    expect(storedAnywhere(t, password)).toBe(0);
    expect(jobPayload(t, r.value.printJobId!).cabinetLogin).toEqual({ url: 'https://k.canteen.local', login: PETROVA.account, password: REDACTED_PASSWORD });
  });

  it('the fact survives a restart; a retried saleId returns the first receipt without issuing another', async () => {
    const s = await ready(t);
    const req = { saleId: sid(), cardId: PETROVA.card, lines: SOK };
    const [a, b] = await Promise.all([s.sell(req), s.sell(req)]);
    expect(a.ok && b.ok && a.value.receiptId === b.value.receiptId).toBe(true);
    expect(cabinetEntries(t, PETROVA.account)).toHaveLength(1);
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    const s2 = t.service;
    expect((await s2.login('1111')).ok).toBe(true); // the shift is still open
    const r = await s2.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK });
    expect(r.ok && r.value.receipt.cabinetLogin).toBeUndefined();
    expect(cabinetEntries(t, PETROVA.account)).toHaveLength(1);
  });

  it('two different sales racing for the same account issue one password', async () => {
    const s = await ready(t);
    const [a, b] = await Promise.all([
      s.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK }),
      s.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    const printed = [a, b].filter((r) => r.ok && r.value.receipt.cabinetLogin);
    expect(printed).toHaveLength(1);
    expect(cabinetEntries(t, PETROVA.account)).toHaveLength(1);
    expect(checkIntegrity(t.sqlite)).toEqual([]);
  });

  it('a manager’s new password counts as issued: the next sale does not print another', async () => {
    expect((await t.service.login('9999')).ok).toBe(true);
    expect((await t.service.openShift()).ok).toBe(true);
    expect((await t.service.newCabinetPassword(PETROVA.account)).ok).toBe(true);
    const r = await t.service.sell({ saleId: sid(), cardId: PETROVA.card, lines: SOK });
    expect(r.ok && r.value.receipt.cabinetLogin).toBeUndefined();
    expect(cabinetEntries(t, PETROVA.account)).toHaveLength(1);
  });
});
