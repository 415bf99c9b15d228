import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardIdAliases, parseReaderLine } from '../../src/core/card-id.js';
import type { PullResponse } from '../../src/api/sync.js';
import { DEMO_CARDS, DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { openTerminal } from '../../src/terminal/index.js';
import { pendingEntries } from '../../src/terminal/outbox.js';
import { applyPull } from '../../src/terminal/sync/apply-pull.js';
import { demoTerminal, snapshot } from './terminal-helpers.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TERMINAL_MIGRATIONS } from '../../src/terminal/db/open.js';

/** A migration's timestamp as drizzle records it (__drizzle_migrations.created_at). */
const journalWhen = (tag: string): number =>
  (JSON.parse(readFileSync(path.join(TERMINAL_MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] })
    .entries.find((e) => e.tag === tag)!.when;

type T = Awaited<ReturnType<typeof demoTerminal>>;

const IVANOV = '0242013137';
// The same Em-Marine card as read by wedge readers: 10 hex digits, low 32 bits in decimal, "126,58404".
const IVANOV_HEX = 'HEX:55007EE424';
const IVANOV_DEC = 'DEC:0008315940';
const IVANOV_W26 = 'W26:7EE424';

async function ready(t: T): Promise<void> {
  expect((await t.service.login('9999')).ok).toBe(true);
  expect((await t.service.openShift()).ok).toBe(true);
}

/** Asserts the call failed with `code`, a Russian message, and wrote nothing. */
async function refused(t: T, code: string, call: () => Promise<{ ok: boolean; error?: { code: string; message: string } }>) {
  const before = snapshot(t);
  const aliases = t.sqlite.prepare('SELECT count(*) FROM card_aliases').pluck().get();
  const r = await call();
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe(code);
  expect(r.error?.message).toMatch(/[А-Яа-яЁё]/);
  expect(snapshot(t)).toEqual(before);
  expect(t.sqlite.prepare('SELECT count(*) FROM card_aliases').pluck().get()).toBe(aliases);
  return r.error!;
}

/** A pull answer that changes only the given cards/accounts (settings as the demo school's). */
function pullOf(part: Partial<Pick<PullResponse, 'cards' | 'accounts' | 'students'>> & { reset?: boolean }): PullResponse {
  const s = DEMO_SCHOOL.school;
  return {
    cursor: '1', reset: part.reset ?? false, lastSeq: 0,
    settings: {
      schoolId: s.id, schoolCode: s.code, schoolName: s.name, timeZone: s.timeZone, cabinetUrl: s.cabinetUrl,
      overdraftLimit: s.overdraftLimit, staleAfterMinutes: s.staleAfterMinutes,
      terminalId: DEMO_SCHOOL.terminal.id, terminalName: DEMO_SCHOOL.terminal.name,
    },
    accounts: part.accounts ?? [], cards: part.cards ?? [], students: part.students ?? [],
    menu: { categories: [], dishes: [], mealSets: [] },
    benefitCategories: [], benefitRules: [], barredItems: [], cashiers: [],
  };
}

describe('cards read by keyboard-wedge and HID readers', () => {
  let t: T;
  beforeEach(async () => { t = await demoTerminal(); });
  afterEach(() => t.close());

  it('a pull says whether the school or terminal settings changed (the service reloads only then or on data)', () => {
    const at = '2018-03-15T08:00:00.000Z';
    const empty = applyPull(t.sqlite, pullOf({}), at);
    expect(empty).toMatchObject({ changed: false, settingsChanged: false });
    const renamed = pullOf({});
    renamed.settings.terminalName = 'Касса 2';
    expect(applyPull(t.sqlite, renamed, at)).toMatchObject({ changed: false, settingsChanged: true });
    renamed.settings.overdraftLimit = 5000;
    expect(applyPull(t.sqlite, renamed, at)).toMatchObject({ changed: false, settingsChanged: true });
    expect(applyPull(t.sqlite, renamed, at)).toMatchObject({ changed: false, settingsChanged: false });
  });

  it('the aliases used here are what the readers produce for the demo card', () => {
    expect(cardIdAliases(DEMO_CARDS.ivanov)).toEqual([DEMO_CARDS.ivanov, IVANOV_HEX, IVANOV_DEC, IVANOV_W26]);
    expect(parseReaderLine('0008315940')).toMatchObject({ cardId: IVANOV_DEC });
    expect(parseReaderLine('126,58404')).toMatchObject({ cardId: IVANOV_W26 });
  });

  it('a DEC, HEX or W26 read identifies the stored card and sells to its account', async () => {
    await ready(t);
    for (const id of [IVANOV_DEC, IVANOV_HEX, IVANOV_W26, ' dec:0008315940 ']) {
      const info = await t.service.identifyCard(id);
      expect(info.ok && info.value).toMatchObject({ cardId: DEMO_CARDS.ivanov, accountNumber: IVANOV, fullName: 'Иванов Иван Иванович' });
    }
    const quote = await t.service.quote({ saleId: 'q', cardId: IVANOV_W26, lines: [{ itemId: 'dish-pizza', quantity: 1 }] });
    expect(quote.ok && quote.value.total).toBe(3450);

    const sold = await t.service.sell({ saleId: 'alias-sale-1', cardId: IVANOV_DEC, lines: [{ itemId: 'dish-pizza', quantity: 1 }] });
    expect(sold.ok && sold.value).toMatchObject({ total: 3450, balanceAfter: 67766 - 3450 });
    expect(sold.ok && sold.value.receipt.pupil?.accountNumber).toBe(IVANOV);
    // The receipt and the entry carry the stored id: the server knows the card by it.
    expect(t.sqlite.prepare('SELECT account_number, card_id FROM receipts').get()).toEqual({ account_number: IVANOV, card_id: DEMO_CARDS.ivanov });
    const [entry] = pendingEntries(t.sqlite).filter((e) => e.kind === 'sale');
    expect(entry).toMatchObject({ accountNumber: IVANOV, cardId: DEMO_CARDS.ivanov, amount: -3450 });

    // A Mifare card through its wedge aliases.
    const mf = cardIdAliases(DEMO_CARDS.freeBreakfast);
    expect(mf).toHaveLength(4);
    for (const id of mf.slice(1)) {
      const info = await t.service.identifyCard(id);
      expect(info.ok && info.value).toMatchObject({ cardId: DEMO_CARDS.freeBreakfast, accountNumber: '0242013145' });
    }
  });

  it('a manager blocks a card read by a wedge reader: the stored card is blocked', async () => {
    await ready(t);
    expect((await t.service.blockCard(IVANOV_HEX, 'утеряна')).ok).toBe(true);
    expect(t.sqlite.prepare('SELECT state FROM cards WHERE id = ?').pluck().get(DEMO_CARDS.ivanov)).toBe('blocked');
    expect(pendingEntries(t.sqlite).map((e) => [e.kind, e.cardId, e.payload.cardId])).toEqual([['cardBlock', DEMO_CARDS.ivanov, DEMO_CARDS.ivanov]]);
  });

  it('a W26 read that matches two cards is refused with a request for the full number, writing nothing', async () => {
    await ready(t);
    // Another pupil's card, from the server, whose low 24 bits equal Иванов's (its 32-bit number differs).
    applyPull(t.sqlite, pullOf({ cards: [{ cardId: 'EM:55017EE424', accountNumber: '0242013153', state: 'active' }] }), new Date().toISOString());
    const err = await refused(t, 'AMBIGUOUS_CARD', () => t.service.identifyCard(IVANOV_W26));
    expect(err.message).toContain('126,58404');
    expect(err.message).toMatch(/полный номер карты/);
    await refused(t, 'AMBIGUOUS_CARD', () => t.service.sell({ saleId: 'ambiguous-1', cardId: IVANOV_W26, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    await refused(t, 'AMBIGUOUS_CARD', () => t.service.quote({ saleId: 'ambiguous-2', cardId: IVANOV_W26, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    await refused(t, 'AMBIGUOUS_CARD', () => t.service.blockCard(IVANOV_W26, 'утеряна'));
    // The full number still tells them apart.
    const iv = await t.service.identifyCard(IVANOV_DEC);
    expect(iv.ok && iv.value.accountNumber).toBe(IVANOV);
    const other = await t.service.identifyCard('DEC:0025093156');
    expect(other.ok && other.value.accountNumber).toBe('0242013153');
  });

  it('an alias of no card is UNKNOWN_CARD; a malformed one BAD_INPUT', async () => {
    await ready(t);
    for (const id of ['W26:000001', 'DEC:0000000001', 'DEC:8315940', 'HEX:ABCDEF']) {
      await refused(t, 'UNKNOWN_CARD', () => t.service.identifyCard(id));
      await refused(t, 'UNKNOWN_CARD', () => t.service.sell({ saleId: `unknown-${id}`, cardId: id, lines: [{ itemId: 'dish-sok', quantity: 1 }] }));
    }
    await refused(t, 'BAD_INPUT', () => t.service.identifyCard('W26:7EE42'));
    await refused(t, 'BAD_INPUT', () => t.service.identifyCard('DEC:12a'));
  });

  it('a pull keeps the aliases with the cards: a removed account loses them, a reset rebuilds them', async () => {
    expect((await t.service.login('9999')).ok).toBe(true);   // reading a pupil needs a cashier
    const at = new Date().toISOString();
    // An account the server deactivated: its card and its aliases go.
    applyPull(t.sqlite, pullOf({ accounts: [{ accountNumber: IVANOV, studentId: null, balance: 0, lastSeq: 0, dailyLimit: null, hasPermanentPassword: false, active: false }] }), at);
    expect(t.sqlite.prepare('SELECT count(*) FROM card_aliases WHERE card_id = ?').pluck().get(DEMO_CARDS.ivanov)).toBe(0);
    expect((await t.service.identifyCard(IVANOV_DEC)).ok).toBe(false);
    // A full reset with one card: exactly that card's aliases remain.
    const student = DEMO_SCHOOL.students.find((s) => s.accountNumber === '0242013145')!;
    applyPull(t.sqlite, pullOf({
      reset: true,
      students: [{ id: student.id, fullName: student.fullName, className: student.className, accountNumber: student.accountNumber, benefitCategoryIds: [], active: true }],
      accounts: [{ accountNumber: '0242013145', studentId: student.id, balance: 100, lastSeq: 0, dailyLimit: null, hasPermanentPassword: false, active: true }],
      cards: [{ cardId: DEMO_CARDS.freeBreakfast, accountNumber: '0242013145', state: 'active' }],
    }), at);
    expect(t.sqlite.prepare('SELECT alias FROM card_aliases ORDER BY alias').pluck().all()).toEqual(cardIdAliases(DEMO_CARDS.freeBreakfast).slice(1).sort());
    const info = await t.service.identifyCard(cardIdAliases(DEMO_CARDS.freeBreakfast)[3]!);
    expect(info.ok && info.value.accountNumber).toBe('0242013145');
  });

  it('a file from before migration 0006 gets its cards indexed when opened', async () => {
    // Undo 0006 on a seeded file: no alias table, the migration not recorded as applied. drizzle applies
    // what is newer than the newest recorded migration, so the later ones are unrecorded too and run
    // again: 0007 rebuilds print_jobs (a seeded file has none), 0008 to 0011 are undone here as well.
    t.sqlite.exec(`DROP TABLE card_aliases; DELETE FROM settings WHERE key = 'card_aliases_backfill';
      DROP VIEW outbox; DROP TABLE ledger_cursors;
      CREATE TABLE outbox (seq integer PRIMARY KEY, entry_uuid text NOT NULL, status text DEFAULT 'pending' NOT NULL,
        attempts integer DEFAULT 0 NOT NULL, sent_at text, acked_at text, last_error text);
      CREATE INDEX entries_account_seq_idx ON entries (account_number, seq);
      CREATE UNIQUE INDEX receipts_sale_id_unique ON receipts (sale_id);
      DROP TRIGGER accounts_server_seq_moved; ALTER TABLE receipt_lines DROP COLUMN note;
      ALTER TABLE accounts DROP COLUMN reserved; ALTER TABLE accounts DROP COLUMN elsewhere_day; ALTER TABLE accounts DROP COLUMN spent_elsewhere; ALTER TABLE accounts DROP COLUMN benefit_elsewhere;
      ALTER TABLE dishes DROP COLUMN allergens; ALTER TABLE meal_sets DROP COLUMN allergens; ALTER TABLE schools DROP COLUMN allergen_policy;
      ALTER TABLE students DROP COLUMN allergies; ALTER TABLE students DROP COLUMN photo; ALTER TABLE students DROP COLUMN photo_mime;
      DROP TABLE order_lines; DROP TABLE order_served; DROP TABLE order_sittings;
      DELETE FROM __drizzle_migrations WHERE created_at >= ${journalWhen('0006_card_aliases')};`);
    t.close();
    t = Object.assign(await openTerminal({ requireTap: false, dbPath: t.dbPath, clock: t.clock }), { clock: t.clock, dbPath: t.dbPath });
    const expected = DEMO_SCHOOL.cards.flatMap((c) => cardIdAliases(c.id).slice(1).map((a) => `${a}>${c.id}`)).sort();
    expect(t.sqlite.prepare(`SELECT alias || '>' || card_id FROM card_aliases ORDER BY 1`).pluck().all()).toEqual(expected);
    expect(t.sqlite.prepare(`SELECT count(*) FROM settings WHERE key = 'card_aliases_backfill'`).pluck().get()).toBe(0);
    expect((await t.service.login('9999')).ok).toBe(true);
    const info = await t.service.identifyCard(IVANOV_W26);
    expect(info.ok && info.value.accountNumber).toBe(IVANOV);
  });
});
