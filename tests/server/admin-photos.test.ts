import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import type { PullResponse } from '../../src/api/sync.js';
import { studentPhotos } from '../../src/server/db/schema.js';
import { auditLog } from '../../src/server/db/staff-schema.js';
import { api, startTestServer, type TestServer } from './helpers.js';
import { addStaff, signIn, type ApiClient } from './admin-helpers.js';

// Issue 13 in the console's API: a school admin uploads a pupil's photo (resized on the server,
// pulled by the school's tills) and sets the school's allergen policy (the tills get it in the pull).
const S = 'school-24';
const PUPIL = 'student-petrova';
const photoPath = (school = S, pupil = PUPIL) => `/api/v1/schools/${school}/pupils/${pupil}/photo`;

let server: TestServer;
let admin: ApiClient;
let otherAdmin: ApiClient;
const pull = () => api<PullResponse>(server, 'GET', '/api/v1/sync/pull');

beforeAll(async () => {
  server = await startTestServer();
  await server.handle.db.execute(`INSERT INTO schools (id, code, name) VALUES ('school-25', '25', 'Школа №25')`);
  await addStaff(server.handle, { login: 'admin24', password: 'admin24-password', grants: [{ role: 'schoolAdmin', schoolId: S, classNames: null }] });
  await addStaff(server.handle, { login: 'admin25', password: 'admin25-password', grants: [{ role: 'schoolAdmin', schoolId: 'school-25', classNames: null }] });
  admin = await signIn(server.url, 'admin24', 'admin24-password');
  otherAdmin = await signIn(server.url, 'admin25', 'admin25-password');
}, 180_000);
afterAll(async () => { await server?.close(); });

describe('pupil photo from the console', () => {
  it('uploads a phone-sized photo: stored as a 240×300 JPEG without metadata, audited, pulled by the school\'s till', async () => {
    const big = await sharp({ create: { width: 3000, height: 4000, channels: 3, background: '#a08070' } })
      .withExif({ IFD0: { Artist: 'school phone' } }).jpeg({ quality: 95 }).toBuffer();
    const up = await admin.call('PUT', photoPath(), { fileName: 'petrova.jpg', contentBase64: big.toString('base64') });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ mime: 'image/jpeg' });
    const stored = Buffer.from(up.body.dataBase64 as string, 'base64');
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.format, meta.exif]).toEqual([240, 300, 'jpeg', undefined]);
    expect((await admin.call('GET', photoPath())).body).toEqual(up.body);

    const audit = await server.handle.db.select().from(auditLog).where(eq(auditLog.action, 'pupil.photo'));
    expect(audit.map((r) => [r.entityId, r.schoolId])).toEqual([[PUPIL, S]]);
    expect(JSON.stringify(audit[0]!.after)).not.toContain(up.body.dataBase64.slice(0, 40));

    const row = (await pull()).body.students.find((x) => x.id === PUPIL)!;
    expect(row.photo).toEqual({ mime: 'image/jpeg', data: up.body.dataBase64 });
  });

  it('a large upload over the 1 MB default goes through; over 8 MB is refused with the reason', async () => {
    const noisy = await sharp(Buffer.from(Array.from({ length: 900 * 900 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 900, height: 900, channels: 3 } })
      .png({ compressionLevel: 0 }).toBuffer();
    expect(noisy.length).toBeGreaterThan(2 * 1024 * 1024);
    expect((await admin.call('PUT', photoPath(S, 'student-ivanov'), { contentBase64: noisy.toString('base64') })).status).toBe(200);
    const huge = Buffer.alloc(8 * 1024 * 1024 + 3, 1).toString('base64');
    const refused = await admin.call('PUT', photoPath(S, 'student-ivanov'), { contentBase64: huge });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('Файл больше 8 МБ');
  });

  it('refuses what is not an image, another school\'s pupil and another school\'s admin; nothing stored', async () => {
    const before = await server.handle.db.select({ id: studentPhotos.studentId }).from(studentPhotos);
    const bad = await admin.call('PUT', photoPath(S, 'student-sidorov'), { fileName: 'x.txt', contentBase64: Buffer.from('not an image').toString('base64') });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^Не удалось прочитать изображение/);
    expect((await admin.call('PUT', photoPath(S, 'student-nobody'), { contentBase64: 'AAAA' })).status).toBe(404);
    expect((await otherAdmin.call('PUT', photoPath(), { contentBase64: 'AAAA' })).status).toBe(403);
    expect((await otherAdmin.call('GET', photoPath())).status).toBe(403);
    expect(await server.handle.db.select({ id: studentPhotos.studentId }).from(studentPhotos)).toEqual(before);
  });

  it('removes a photo: the till gets null; a second removal is 404', async () => {
    expect((await admin.call('DELETE', photoPath())).body).toEqual({ ok: true });
    expect((await admin.call('DELETE', photoPath())).status).toBe(404);
    expect((await admin.call('GET', photoPath())).status).toBe(404);
    expect((await pull()).body.students.find((x) => x.id === PUPIL)!.photo ?? null).toBeNull();
  });
});

describe('allergen policy in the school settings', () => {
  it('shows, changes (versioned, audited) and reaches the tills; a bad value changes nothing', async () => {
    const school = (await admin.call('GET', `/api/v1/schools/${S}`)).body;
    expect(school.allergenPolicy).toBe('confirm');
    expect((await pull()).body.settings.allergenPolicy).toBe('confirm');
    const bad = await admin.call('PATCH', `/api/v1/schools/${S}`, { version: school.version, allergenPolicy: 'maybe' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('аллергены');
    const set = await admin.call('PATCH', `/api/v1/schools/${S}`, { version: school.version, allergenPolicy: 'refuse' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ allergenPolicy: 'refuse', version: school.version + 1 });
    expect((await pull()).body.settings.allergenPolicy).toBe('refuse');
    const audit = await server.handle.db.select().from(auditLog).where(eq(auditLog.action, 'school.update'));
    expect(audit.at(-1)).toMatchObject({ before: { allergenPolicy: 'confirm' }, after: { allergenPolicy: 'refuse' } });
  });
});
