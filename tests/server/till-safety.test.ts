import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import type { PullResponse, PushResponse, SyncEntry } from '../../src/api/sync.js';
import { reviewFlags } from '../../src/server/db/schema.js';
import { PhotoError, removeStudentPhoto, resizePhoto, setStudentPhoto } from '../../src/server/admin/photos.js';
import { upsertSchool } from '../../src/server/admin/schools.js';
import { schoolDay } from '../../src/core/datetime.js';
import { students } from '../../src/server/db/schema.js';
import { enrollDemoTerminal, api, startTestServer, type TestServer } from './helpers.js';

// Issue 13 on the server: allergens and photos in the pull, what other tills did today, "повторная льгота".
const PETROVA = '0242013145';        // free breakfast (1-4 классы), card MF:BCD14264
const PETROVA_CARD = 'MF:BCD14264';
const MOROZOVA = '0242013203';         // allergic to nuts and milk

let s: TestServer;
let second: { token: string; terminalId: string };
const seqs = new Map<string, number>();

function benefitSale(terminalId: string, createdAt: string, subsidy = 4961): SyncEntry {
  const seq = (seqs.get(terminalId) ?? 0) + 1;
  seqs.set(terminalId, seq);
  const receiptId = uuidv7();
  return {
    uuid: uuidv7(), seq, kind: 'sale', accountNumber: PETROVA, amount: -(4961 - subsidy), createdAt, cardId: PETROVA_CARD, receiptId,
    payload: {
      receiptId, receiptNumber: `24-${terminalId.slice(-1)}-${seq}`, total: 4961 - subsidy, subsidy,
      lines: [{ itemId: 'set-breakfast-1-4', kind: 'mealSet', name: 'Завтрак', quantity: 1, unitPrice: 4961, amount: 4961 - subsidy, subsidy }],
    },
  };
}
const push = (entries: SyncEntry[], t: { terminalId: string; token: string }) =>
  api<PushResponse>({ url: s.url, token: t.token }, 'POST', '/api/v1/sync/push', { terminalId: t.terminalId, entries });
const pull = (t: { token: string }, cursor?: string) =>
  api<PullResponse>({ url: s.url, token: t.token }, 'GET', `/api/v1/sync/pull${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);

/** Pulls until `want` holds: on a shared PostgreSQL a change may show in a later pull (late, never lost). */
async function pullUntil(t: { token: string }, cursor: string, want: (p: PullResponse) => boolean): Promise<PullResponse> {
  for (let i = 0; i < 50; i++) {
    const p = (await pull(t, cursor)).body;
    if (want(p)) return p;
    cursor = p.cursor;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the pull never carried the change');
}

beforeAll(async () => {
  s = await startTestServer();
  second = await enrollDemoTerminal(s.handle, 'terminal-24-2');
});
afterAll(async () => { await s?.close(); });

describe('pull: allergens and allergies', () => {
  it('carries each dish\'s allergens, a meal set\'s with its dishes\', the pupil\'s allergies and the school\'s policy', async () => {
    const res = (await pull(s)).body;
    expect(res.settings.allergenPolicy).toBe('confirm');
    expect(res.menu.dishes.find((d) => d.id === 'dish-keks')!.allergens).toEqual(['gluten', 'eggs', 'milk', 'nuts']);
    expect(res.menu.dishes.find((d) => d.id === 'dish-kasha-grech')!.allergens).toEqual([]);
    expect(new Set(res.menu.mealSets.find((m) => m.id === 'set-lunch')!.allergens))
      .toEqual(new Set(['gluten', 'celery', 'eggs', 'milk', 'sulphites']));
    expect(res.students.find((x) => x.accountNumber === MOROZOVA)!.allergies).toEqual(['nuts', 'milk']);
    expect(res.menu.dishes.length + res.menu.mealSets.length).toBe(24);
  });
});

describe('photos', () => {
  it('resizes any image to a small portrait JPEG without metadata, and refuses what is not an image', async () => {
    const big = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#8899aa' } })
      .withExif({ IFD0: { Artist: 'camera owner' } }).jpeg().toBuffer();
    const small = await resizePhoto(big);
    expect(small.mime).toBe('image/jpeg');
    const meta = await sharp(small.data).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([240, 300, 'jpeg']);
    expect(meta.exif).toBeUndefined();
    expect(small.data.length).toBeLessThan(20_000);
    expect((await resizePhoto(big, 'webp')).mime).toBe('image/webp');
    await expect(resizePhoto(Buffer.from('not an image'))).rejects.toBeInstanceOf(PhotoError);
  });

  it('goes only to the tills of the pupil\'s school, with the student row; removal sends null', async () => {
    await s.handle.db.transaction((tx) =>
      upsertSchool(tx, { id: 'school-7', code: '7', name: 'Школа №7', timeZone: 'Europe/Moscow', cabinetUrl: '', overdraftLimit: 0, staleAfterMinutes: 1440 }));
    const foreign = await enrollDemoTerminal(s.handle, 'terminal-7-1', 'school-7');
    const foreignCursor = (await pull(foreign)).body.cursor;
    const cursor = (await pull(s)).body.cursor;
    const img = await sharp({ create: { width: 400, height: 500, channels: 3, background: '#d0a080' } }).png().toBuffer();
    await setStudentPhoto(s.handle.db, 'student-morozova', img);
    const res = await pullUntil(s, cursor, (p) => p.students.length > 0);
    expect(res.students.map((x) => x.id)).toEqual(['student-morozova']);
    const photo = res.students[0]!.photo!;
    expect(photo.mime).toBe('image/jpeg');
    expect((await sharp(Buffer.from(photo.data, 'base64')).metadata()).width).toBe(240);
    // Another school's till: nothing about the pupil, not even on a full pull.
    expect((await pull(foreign, foreignCursor)).body.students).toEqual([]);
    expect((await pull(foreign)).body.students.every((x) => x.photo == null)).toBe(true);
    const again = res.cursor;
    expect(await removeStudentPhoto(s.handle.db, 'student-morozova')).toBe(true);
    const removed = (await pullUntil(s, again, (p) => p.students.length > 0)).students;
    expect(removed).toHaveLength(1);
    expect(removed[0]!.photo).toBeNull();
  });

  it('refuses a photo for a pupil the server does not know', async () => {
    const img = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
    await expect(setStudentPhoto(s.handle.db, 'student-nobody', img)).rejects.toThrow(/не найден/);
    expect(await s.handle.db.select().from(students).where(eq(students.id, 'student-nobody'))).toEqual([]);
  });
});

describe('across tills: today elsewhere and the repeated benefit', () => {
  it('tells each till what the others spent today and that the benefit was used, not counting its own', async () => {
    const now = new Date();
    const cursor = (await pull(s)).body.cursor;
    const cursor2 = (await pull(second)).body.cursor;
    const first = benefitSale(s.terminalId, now.toISOString());
    expect((await push([first], s)).body.ackSeq).toBe(first.seq);
    const has = (p: PullResponse) => p.accounts.some((a) => a.accountNumber === PETROVA);
    const mine = (await pullUntil(s, cursor, has)).accounts.find((a) => a.accountNumber === PETROVA)!;
    expect(mine.today).toEqual({ day: schoolDay(now, 'Europe/Moscow'), spentElsewhere: 0, benefitUsedElsewhere: false });
    const theirs = (await pullUntil(second, cursor2, has)).accounts.find((a) => a.accountNumber === PETROVA)!;
    expect(theirs.today).toEqual({ day: schoolDay(now, 'Europe/Moscow'), spentElsewhere: 0, benefitUsedElsewhere: true });
  });

  it('applies a second benefit meal of one day from another till (offline) and flags it «повторная льгота»', async () => {
    const day = '2018-03-13T06:30:00Z';
    const a = benefitSale(s.terminalId, day);
    const b = benefitSale(second.terminalId, '2018-03-13T07:10:00Z');
    const c = benefitSale(second.terminalId, '2018-03-14T07:10:00Z');   // the next day: fine
    expect((await push([a], s)).status).toBe(200);
    expect((await push([b, c], second)).body).toEqual({ ackSeq: c.seq });
    const flags = await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.reason, 'repeatBenefit'));
    expect(flags.map((f) => f.entryUuid)).toEqual([b.uuid]);
    expect(flags[0]!.message).toMatch(/^Повторная льгота: Л\/С 0242013145 за 13\.03\.2018/);
    expect(flags[0]!.terminalId).toBe(second.terminalId);
  });

  it('flags the second of two benefit meals in one batch, and not a paid sale', async () => {
    const a = benefitSale(s.terminalId, '2018-03-15T06:30:00Z');
    const b = benefitSale(s.terminalId, '2018-03-15T06:31:00Z');
    const paid = benefitSale(s.terminalId, '2018-03-15T06:32:00Z', 0);
    await push([a, b, paid], s);
    const reasons = async (e: SyncEntry) => (await s.handle.db.select().from(reviewFlags).where(eq(reviewFlags.entryUuid, e.uuid))).map((f) => f.reason);
    expect(await reasons(a)).toEqual([]);
    expect(await reasons(b)).toEqual(['repeatBenefit']);
    expect(await reasons(paid)).toEqual([]);
  });
});
