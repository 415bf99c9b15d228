import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { studentPhotos, students } from '../db/schema.js';
import type { Db, Tx } from '../db/open.js';
import { recordChanges } from '../changes.js';

/** What the till shows: a portrait thumbnail, a few kilobytes each (a school of 2,000 pupils: a few MB on the till). */
export const PHOTO_WIDTH = 240;
export const PHOTO_HEIGHT = 300;
/** Refuse uploads larger than this before decoding (a phone's photo is well under it). */
export const PHOTO_MAX_BYTES = 15 * 1024 * 1024;

export class PhotoError extends Error {}

/**
 * Decodes any image sharp reads (JPEG, PNG, WebP, HEIF …), turns it upright (EXIF), crops it to a
 * portrait thumbnail and re-encodes it as a small JPEG or WebP. Metadata (EXIF with GPS, the
 * camera's serial) is dropped by the re-encoding: only pixels reach the database and the tills.
 */
export async function resizePhoto(input: Buffer, format: 'jpeg' | 'webp' = 'jpeg'): Promise<{ mime: 'image/jpeg' | 'image/webp'; data: Buffer }> {
  if (input.length === 0) throw new PhotoError('Файл пустой');
  if (input.length > PHOTO_MAX_BYTES) throw new PhotoError('Файл больше 15 МБ');
  try {
    const pipeline = sharp(input, { failOn: 'error', limitInputPixels: 50_000_000 }).rotate()
      .resize(PHOTO_WIDTH, PHOTO_HEIGHT, { fit: 'cover', position: 'attention' });
    const data = format === 'webp'
      ? await pipeline.webp({ quality: 70 }).toBuffer()
      : await pipeline.jpeg({ quality: 72, mozjpeg: true }).toBuffer();
    return { mime: format === 'webp' ? 'image/webp' : 'image/jpeg', data };
  } catch (err) {
    throw new PhotoError(`Не удалось прочитать изображение: ${(err as Error).message}`);
  }
}

/**
 * Stores (replaces) a pupil's photo and records a 'student' change, so the next pull of the
 * pupil's school — and only that school's tills — carries it with the student row.
 */
export async function setStudentPhoto(db: Db, studentId: string, image: Buffer, format: 'jpeg' | 'webp' = 'jpeg'): Promise<{ bytes: number; schoolId: string }> {
  const photo = await resizePhoto(image, format);
  return db.transaction(async (tx) => storeStudentPhoto(tx, studentId, photo));
}

/** Stores an already resized photo in the caller's transaction (the console's route, with its audit row). */
export async function storeStudentPhoto(tx: Tx, studentId: string, photo: { mime: 'image/jpeg' | 'image/webp'; data: Buffer }): Promise<{ bytes: number; schoolId: string }> {
  const [stu] = await tx.select({ schoolId: students.schoolId }).from(students).where(eq(students.id, studentId));
  if (!stu) throw new PhotoError(`Учащийся ${studentId} не найден`);
  await tx.insert(studentPhotos).values({ studentId, schoolId: stu.schoolId, mime: photo.mime, data: photo.data })
    .onConflictDoUpdate({ target: studentPhotos.studentId, set: { mime: photo.mime, data: photo.data, schoolId: stu.schoolId, updatedAt: sql`now()` } });
  await recordChanges(tx, stu.schoolId, 'student', [studentId]);
  return { bytes: photo.data.length, schoolId: stu.schoolId };
}

/** The stored photo of a pupil, or undefined. */
export async function studentPhoto(db: Tx, studentId: string): Promise<{ mime: 'image/jpeg' | 'image/webp'; data: Buffer; updatedAt: string } | undefined> {
  const [row] = await db.select({ mime: studentPhotos.mime, data: studentPhotos.data, updatedAt: studentPhotos.updatedAt })
    .from(studentPhotos).where(eq(studentPhotos.studentId, studentId));
  return row;
}

export async function removeStudentPhoto(db: Tx, studentId: string): Promise<boolean> {
  const remove = async (tx: Tx) => {
    const gone = await tx.delete(studentPhotos).where(and(eq(studentPhotos.studentId, studentId))).returning({ schoolId: studentPhotos.schoolId });
    if (gone[0]) await recordChanges(tx, gone[0].schoolId, 'student', [studentId]);
    return gone.length > 0;
  };
  return db.transaction(remove);   // a savepoint inside a route's transaction
}
