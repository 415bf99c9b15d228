import { z } from 'zod';

/**
 * A pupil's photo in the console (issue 13): uploaded by the school, resized on the server to a
 * small portrait JPEG (src/server/admin/photos.ts) and pulled only by that school's tills.
 */

/** A phone's photo is a few MB; what the till keeps is ~10 KB. */
export const PHOTO_UPLOAD_MAX_BYTES = 8 * 1024 * 1024;
/** The JSON body's limit for an upload: the file as base64 and a little more. */
export const PHOTO_UPLOAD_BODY_LIMIT = Math.ceil(PHOTO_UPLOAD_MAX_BYTES / 3) * 4 + 4096;

export const photoUploadSchema = z.object({
  fileName: z.string().max(300).default(''),
  /** The image file (JPEG, PNG, WebP, HEIC …), base64: one JSON body parser for the whole API. */
  contentBase64: z.string().min(1, 'Выберите файл с фотографией')
    .max(Math.ceil(PHOTO_UPLOAD_MAX_BYTES / 3) * 4, 'Файл больше 8 МБ').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Файл повреждён (не base64)'),
});

export const photoViewSchema = z.object({
  mime: z.enum(['image/jpeg', 'image/webp']),
  /** The resized photo as the tills get it. */
  dataBase64: z.string(),
  bytes: z.number().int(),
  updatedAt: z.string(),
});
export type PhotoView = z.infer<typeof photoViewSchema>;
