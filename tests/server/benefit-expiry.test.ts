import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { changes, students } from '../../src/server/db/schema.js';
import { setPupilBenefit } from '../../src/server/admin/benefits.js';
import { runHousekeeping } from '../../src/server/housekeeping.js';
import { pupilBenefitInput } from '../../src/api/admin/benefits.js';
import { DEMO_SCHOOL } from '../../src/core/demo-school.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * The housekeeping run (hourly in the server) keeps the pupils' benefit lists the
 * tills read in step with the basis documents' dates, by the school's local date
 * (school 24 is in Europe/Moscow, UTC+3), with a fake clock: an expired document's
 * benefit comes off after midnight there, a future one goes on when it begins, and
 * a second run changes nothing (no list, no version, no change-log row).
 */
const S = DEMO_SCHOOL.school.id;
let s: TestServer;

beforeAll(async () => { s = await startTestServer({ config: { housekeeping: { intervalMs: 0 } } }); }, 180_000);
afterAll(async () => { await s?.close(); });

/** Housekeeping at a fake instant; the change log is kept (its pruning is another test's). */
const run = (now: Date) => runHousekeeping(s.handle.db, { now, changesKeepDays: 3650 });
const pupilOf = async (id: string) => (await s.handle.db.select().from(students).where(eq(students.id, id)))[0]!;
const studentChanges = async (id: string) => (await s.handle.db.select().from(changes).where(sql`${changes.kind} = 'student' AND ${changes.key} = ${id}`)).length;

describe('benefits follow their documents\' dates by themselves', () => {
  it('off after the document ends, on when it begins; a run twice changes nothing', async () => {
    const [a, b] = DEMO_SCHOOL.students.filter((p) => p.className === '07В' || p.className === '03Б');
    const grant = (id: string, from: string, until: string, today: string) =>
      s.handle.db.transaction((tx) => setPupilBenefit(tx, id, pupilBenefitInput.parse({ benefitCategoryId: 'ben-low-income', document: 'справка УСЗН № 7', validFrom: from, validUntil: until }), [S], today));
    await grant(a!.id, '2026-09-01', '2027-01-10', '2026-10-01');
    await grant(b!.id, '2027-02-01', '2027-05-31', '2026-10-01');
    expect((await pupilOf(a!.id)).benefitCategoryIds).toContain('ben-low-income');
    expect((await pupilOf(b!.id)).benefitCategoryIds).not.toContain('ben-low-income');

    // 23:00 in Moscow on the last day of the document: still holds.
    expect((await run(new Date('2027-01-10T20:00:00Z'))).benefits).toBe(0);
    expect((await pupilOf(a!.id)).benefitCategoryIds).toContain('ben-low-income');
    // 00:30 the next day in Moscow (21:30 UTC): off, and the tills are told.
    const changesBefore = await studentChanges(a!.id);
    expect((await run(new Date('2027-01-10T21:30:00Z'))).benefits).toBe(1);
    const off = await pupilOf(a!.id);
    expect(off.benefitCategoryIds).not.toContain('ben-low-income');
    expect(await studentChanges(a!.id)).toBeGreaterThan(changesBefore);
    // The same run again (or the next hour's): nothing changes.
    const changesAfter = await s.handle.db.select({ n: sql<number>`count(*)::int` }).from(changes);
    expect((await run(new Date('2027-01-10T22:30:00Z'))).benefits).toBe(0);
    expect((await pupilOf(a!.id)).version).toBe(off.version);
    expect(await s.handle.db.select({ n: sql<number>`count(*)::int` }).from(changes)).toEqual(changesAfter);

    // The future document begins on 1 February, Moscow time.
    expect((await run(new Date('2027-01-31T20:59:00Z'))).benefits).toBe(0);
    expect((await run(new Date('2027-01-31T21:01:00Z'))).benefits).toBe(1);
    expect((await pupilOf(b!.id)).benefitCategoryIds).toContain('ben-low-income');
    expect((await run(new Date('2027-02-01T09:00:00Z'))).benefits).toBe(0);
  });
});
