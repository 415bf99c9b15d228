import { useCallback, useMemo, useState } from 'react';
import { z } from 'zod';
import { api, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { DataTable, type Column, type PageQuery } from '../components/DataTable.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { className, fullName, type PupilRow } from '../../api/admin/pupils.js';
import { ImportDialog } from './PupilImport.js';
import { NewYearDialog } from './NewYear.js';
import { PupilPhoto } from './PupilPhoto.js';

const CARD_STATE: Record<string, string> = { active: 'действует', blocked: 'заблокирована', lost: 'утеряна' };

/**
 * Pupils of the school: a server-side table (search by name, class, account
 * or card), a pupil's card to edit or move, the import with its preview, the new school year.
 */
export function PupilsPage({ schoolId, roles }: PageProps) {
  const [reload, setReload] = useState(0);
  const [open, setOpen] = useState<PupilRow | null>(null);
  const [dialog, setDialog] = useState<'' | 'import' | 'year'>('');
  const [archived, setArchived] = useState(false);
  const canEdit = roles.has('districtAdmin') || roles.has('schoolAdmin');
  const load = useCallback((q: PageQuery) =>
    api<{ rows: PupilRow[]; total: number }>('GET', `/schools/${encodeURIComponent(schoolId)}/pupils${qs({ ...q, archived: archived ? '1' : undefined })}`),
  [schoolId, archived]);
  const columns = useMemo<Column<PupilRow>[]>(() => [
    { id: 'name', header: 'ФИО', accessorKey: 'fullName', enableSorting: true },
    { id: 'class', header: 'Класс', accessorKey: 'className', enableSorting: true },
    { id: 'account', header: 'Лицевой счёт', accessorFn: (r) => r.accountNumber ?? '—', enableSorting: true },
    { id: 'balance', header: 'Баланс', accessorFn: (r) => r.balance, cell: (c) => (c.getValue() === null ? '—' : rub(c.getValue() as number)), enableSorting: true },
    { id: 'cards', header: 'Карты', accessorFn: (r) => r.cards.map((k) => `${k.id}${k.state === 'active' ? '' : ` (${CARD_STATE[k.state] ?? k.state})`}`).join(', ') || '—', enableSorting: false },
  ], []);
  const done = () => { setReload((n) => n + 1); setOpen(null); setDialog(''); };
  return (
    <>
      <DataTable label="Ученики" columns={columns} load={load} rowKey={(r) => r.id} reloadKey={reload}
        searchPlaceholder="Фамилия, класс (3Б), лицевой счёт или номер карты" onRowClick={setOpen}
        toolbar={<>
          <label><input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} /> Выбывшие</label>
          {canEdit && <button type="button" onClick={() => setDialog('import')}>Импорт из файла…</button>}
          {canEdit && <button type="button" onClick={() => setDialog('year')}>Новый учебный год…</button>}
        </>} />
      {open && <PupilDialog schoolId={schoolId} pupil={open} canEdit={canEdit} onClose={() => setOpen(null)} onSaved={done} />}
      {dialog === 'import' && <ImportDialog schoolId={schoolId} onClose={() => setDialog('')} onDone={done} />}
      {dialog === 'year' && <NewYearDialog schoolId={schoolId} onClose={() => setDialog('')} onDone={done} />}
    </>
  );
}

const editSchema = z.object({ fullName, className });

function PupilDialog({ schoolId, pupil, canEdit, onClose, onSaved }: { schoolId: string; pupil: PupilRow; canEdit: boolean; onClose: () => void; onSaved: () => void }) {
  const form = useZodForm(editSchema, { fullName: pupil.fullName, className: pupil.className });
  const save = form.submit(async (data) => {
    await api('PATCH', `/schools/${encodeURIComponent(schoolId)}/pupils/${encodeURIComponent(pupil.id)}`, { ...data, version: pupil.version });
    onSaved();
  });
  return (
    <Dialog title={pupil.fullName} onClose={onClose}>
      <p className="muted">Л/С {pupil.accountNumber ?? '—'} · баланс {pupil.balance === null ? '—' : rub(pupil.balance)}</p>
      <form onSubmit={save} noValidate>
        <Field name="fullName" label="ФИО" value={form.values.fullName!} onChange={form.set} error={form.errors.fullName} autoFocus />
        <Field name="className" label="Класс" value={form.values.className!} onChange={form.set} error={form.errors.className} hint="Перевод в другой класс — смените класс и сохраните" />
        <FormError error={form.serverError} />
        <div className="buttons">
          {canEdit && <button type="submit" className="primary" disabled={form.busy}>Сохранить</button>}
          <button type="button" onClick={onClose}>Закрыть</button>
        </div>
      </form>
      <PupilPhoto schoolId={schoolId} pupilId={pupil.id} canEdit={canEdit} />
    </Dialog>
  );
}
