import { z } from 'zod';
import { okSchema, schoolParamsSchema } from '../../api/admin/common.js';
import { PHOTO_UPLOAD_BODY_LIMIT, photoUploadSchema, photoViewSchema } from '../../api/admin/photos.js';
import { getPupil } from '../admin/pupils.js';
import { PhotoError, removeStudentPhoto, resizePhoto, storeStudentPhoto, studentPhoto } from '../admin/photos.js';
import { AUDIT } from '../admin/audit-keys.js';
import { HttpError } from '../errors.js';
import { defineRoute, type AnyRoute } from './route.js';

const ADMINS = ['districtAdmin', 'schoolAdmin'] as const;
const pupilParams = schoolParamsSchema.extend({ pupilId: z.string().min(1).max(100) });

const view = (p: { mime: 'image/jpeg' | 'image/webp'; data: Buffer; updatedAt: string }) =>
  ({ mime: p.mime, dataBase64: p.data.toString('base64'), bytes: p.data.length, updatedAt: new Date(p.updatedAt).toISOString() });

/**
 * A pupil's photo (issue 13): the school uploads it in the console (before, only `canteen server
 * photo` could); the server resizes it (sharp) and the school's tills pull it with the roster.
 */
export const photoRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET', url: '/schools/:schoolId/pupils/:pupilId/photo', summary: 'Фотография ученика (как её получают кассы школы)', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: pupilParams, response: photoViewSchema,
    async handler(c) {
      await getPupil(c.db, c.params.pupilId, [c.school.schoolId]);
      const photo = await studentPhoto(c.db, c.params.pupilId);
      if (!photo) throw new HttpError(404, 'NOT_FOUND', 'Фотографии нет');
      return view(photo);
    },
  }),
  defineRoute({
    method: 'PUT', url: '/schools/:schoolId/pupils/:pupilId/photo', summary: 'Загрузить фотографию ученика (JPEG, PNG, WebP …, до 8 МБ): сервер уменьшит её до 240×300', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: pupilParams, body: photoUploadSchema, response: photoViewSchema, bodyLimit: PHOTO_UPLOAD_BODY_LIMIT,
    async handler(c) {
      const pupil = await getPupil(c.db, c.params.pupilId, [c.school.schoolId]);
      let photo;
      try {
        photo = await resizePhoto(Buffer.from(c.body.contentBase64, 'base64'));
      } catch (err) {
        if (err instanceof PhotoError) throw new HttpError(400, 'BAD_INPUT', err.message);
        throw err;
      }
      await storeStudentPhoto(c.db, pupil.id, photo);
      // The audit row says a photo was set, not what it shows.
      await c.audit({ action: 'pupil.photo', entity: AUDIT.pupil, entityId: pupil.id, schoolId: pupil.schoolId, after: { fileName: c.body.fileName, bytes: photo.data.length, mime: photo.mime } });
      return view((await studentPhoto(c.db, pupil.id))!);
    },
  }),
  defineRoute({
    method: 'DELETE', url: '/schools/:schoolId/pupils/:pupilId/photo', summary: 'Удалить фотографию ученика (кассы школы удалят её при синхронизации)', tags: ['ученики'],
    roles: ADMINS, scope: 'school', params: pupilParams, response: okSchema,
    async handler(c) {
      const pupil = await getPupil(c.db, c.params.pupilId, [c.school.schoolId]);
      if (!(await removeStudentPhoto(c.db, pupil.id))) throw new HttpError(404, 'NOT_FOUND', 'Фотографии нет');
      await c.audit({ action: 'pupil.photoRemove', entity: AUDIT.pupil, entityId: pupil.id, schoolId: pupil.schoolId, after: null });
      return { ok: true as const };
    },
  }),
];
