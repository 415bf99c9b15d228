import { useCallback, useMemo, useState } from 'react';
import { z } from 'zod';
import { api, ApiError, dateTime, qs } from '../api.js';
import type { PageProps } from '../App.js';
import { DataTable, type Column, type PageQuery } from '../components/DataTable.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { cardIssue, cardReissue, type cardRow } from '../../api/admin/cards.js';

type CardRow = z.infer<typeof cardRow>;
const STATE: Record<string, string> = { active: 'действует', blocked: 'заблокирована', lost: 'утеряна' };

/** Cards: find one, block it, mark it lost, unblock, reissue (the account and its balance stay), issue a new one. */
export function CardsPage({ schoolId, roles }: PageProps) {
  const [reload, setReload] = useState(0);
  const [state, setState] = useState('');
  const [open, setOpen] = useState<CardRow | null>(null);
  const [issuing, setIssuing] = useState(false);
  const canEdit = roles.has('districtAdmin') || roles.has('schoolAdmin') || roles.has('manager');
  const base = `/schools/${encodeURIComponent(schoolId)}/cards`;
  const load = useCallback((q: PageQuery) => api<{ rows: CardRow[]; total: number }>('GET', `${base}${qs({ q: q.q, offset: q.offset, limit: q.limit, state })}`), [base, state]);
  const columns = useMemo<Column<CardRow>[]>(() => [
    { id: 'id', header: 'Карта', accessorKey: 'id' },
    { id: 'state', header: 'Состояние', accessorFn: (r) => STATE[r.state] ?? r.state },
    { id: 'account', header: 'Лицевой счёт', accessorKey: 'accountNumber' },
    { id: 'pupil', header: 'Ученик', accessorFn: (r) => (r.fullName ? `${r.fullName}, ${r.className ?? ''}` : '—') },
    { id: 'updated', header: 'Изменена', accessorFn: (r) => dateTime(r.updatedAt) },
  ], []);
  const done = () => { setReload((n) => n + 1); setOpen(null); setIssuing(false); };
  return (
    <>
      <DataTable label="Карты" columns={columns} load={load} rowKey={(r) => r.id} reloadKey={reload}
        searchPlaceholder="Номер карты, лицевой счёт или фамилия" onRowClick={setOpen} rowClass={(r) => (r.state === 'active' ? undefined : 'bad')}
        toolbar={<>
          <label>Состояние:{' '}
            <select value={state} onChange={(e) => setState(e.target.value)}>
              <option value="">все</option><option value="active">действуют</option><option value="blocked">заблокированы</option><option value="lost">утеряны</option>
            </select>
          </label>
          {canEdit && <button type="button" onClick={() => setIssuing(true)}>Выдать карту…</button>}
        </>} />
      {open && <CardDialog base={base} card={open} canEdit={canEdit} onClose={() => setOpen(null)} onDone={done} />}
      {issuing && <IssueDialog base={base} onClose={() => setIssuing(false)} onDone={done} />}
    </>
  );
}

function IssueDialog({ base, onClose, onDone }: { base: string; onClose: () => void; onDone: () => void }) {
  const form = useZodForm(cardIssue, { accountNumber: '', cardId: '' });
  const save = form.submit(async (data) => { await api('POST', base, data); onDone(); });
  return (
    <Dialog title="Выдать карту" onClose={onClose}>
      <form onSubmit={save} noValidate>
        <Field name="accountNumber" label="Лицевой счёт" value={form.values.accountNumber!} onChange={form.set} error={form.errors.accountNumber} inputMode="numeric" autoFocus />
        <Field name="cardId" label="Номер карты" value={form.values.cardId!} onChange={form.set} error={form.errors.cardId} hint="Например, EM:55007EE424 или MF:BCD14264" />
        <FormError error={form.serverError} />
        <div className="buttons"><button type="submit" className="primary" disabled={form.busy}>Выдать</button><button type="button" onClick={onClose}>Отмена</button></div>
      </form>
    </Dialog>
  );
}

function CardDialog({ base, card, canEdit, onClose, onDone }: { base: string; card: CardRow; canEdit: boolean; onClose: () => void; onDone: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const reissue = useZodForm(cardReissue, { newCardId: '' });
  const url = `${base}/${encodeURIComponent(card.id)}`;
  const setState = async (state: 'active' | 'blocked' | 'lost') => {
    setError(null);
    try { await api('POST', `${url}/state`, { state }); onDone(); } catch (e) { setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))); }
  };
  const doReissue = reissue.submit(async (data) => { await api('POST', `${url}/reissue`, data); onDone(); });
  return (
    <Dialog title={`Карта ${card.id}`} onClose={onClose}>
      <p>{STATE[card.state]}{card.reason ? ` (${card.reason})` : ''} · Л/С {card.accountNumber}{card.fullName ? ` · ${card.fullName}` : ''}</p>
      <FormError error={error} />
      {canEdit && (
        <>
          <div className="buttons">
            {card.state !== 'blocked' && <button type="button" onClick={() => { void setState('blocked'); }}>Заблокировать</button>}
            {card.state !== 'lost' && <button type="button" onClick={() => { void setState('lost'); }}>Утеряна</button>}
            {card.state !== 'active' && <button type="button" onClick={() => { void setState('active'); }}>Разблокировать</button>}
          </div>
          <h3>Перевыпуск</h3>
          <p className="muted">Старая карта станет «утеряна», новая — на тот же лицевой счёт; баланс не меняется.</p>
          <form onSubmit={doReissue} noValidate>
            <Field name="newCardId" label="Номер новой карты" value={reissue.values.newCardId!} onChange={reissue.set} error={reissue.errors.newCardId} />
            <FormError error={reissue.serverError} />
            <div className="buttons"><button type="submit" className="primary" disabled={reissue.busy}>Перевыпустить</button></div>
          </form>
        </>
      )}
      <div className="buttons"><button type="button" onClick={onClose}>Закрыть</button></div>
    </Dialog>
  );
}
