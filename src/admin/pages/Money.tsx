import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api, dateTime, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { Dialog, Field, FormError, useZodForm } from '../components/Form.js';
import { apiMessage, rublesField } from '../components/zod-money.js';
import { go } from '../router.js';
import type { moneyRequestViewSchema } from '../../api/admin/money.js';

type MoneyRequest = z.infer<typeof moneyRequestViewSchema>;

const STATE: Record<MoneyRequest['state'], string> = { pending: 'ждёт второй подписи', applied: 'проведено', rejected: 'отклонено' };
const KIND: Record<MoneyRequest['kind'], string> = { topUp: 'Пополнение', correction: 'Исправление' };

const requestForm = z.object({
  accountNumber: z.string().trim().regex(/^\d{10}$/, 'Лицевой счёт — 10 цифр'),
  kind: z.enum(['topUp', 'correction']),
  amount: rublesField('Сумма', { negative: true, zero: false }),
  reason: z.string().trim().min(5, 'Причина: не короче 5 знаков').max(500),
  documentNumber: z.string().trim().min(1, 'Укажите номер документа (акт, заявление, платёжное поручение)').max(100),
}).refine((r) => r.kind === 'correction' || r.amount > 0, { message: 'Пополнение — сумма больше нуля; списание оформляется исправлением', path: ['amount'] });

/**
 * Money by hand: a top-up (money really received) or a correction (a mistake
 * reversed by a new entry), each with its reason and document number. A
 * correction above the school's limit waits for a second person (four eyes):
 * the list shows it and another admin approves or rejects it.
 */
export function MoneyPage({ me, schoolId, params, roles }: PageProps) {
  const [rows, setRows] = useState<MoneyRequest[]>([]);
  const [state, setState] = useState<'pending' | ''>('pending');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [deciding, setDeciding] = useState<MoneyRequest | null>(null);
  const canWrite = roles.has('districtAdmin') || roles.has('schoolAdmin');
  const base = `/schools/${encodeURIComponent(schoolId)}`;
  const load = () => { api<MoneyRequest[]>('GET', `${base}/money-requests${qs({ state: state || undefined })}`).then(setRows, (e: unknown) => setError(apiMessage(e))); };
  useEffect(load, [base, state]);
  const form = useZodForm(requestForm, { accountNumber: params.get('account') ?? '', kind: 'correction', amount: '', reason: '', documentNumber: '' });
  const send = form.submit(async (d) => {
    const r = await api<MoneyRequest>('POST', `${base}/accounts/${d.accountNumber}/${d.kind === 'topUp' ? 'topups' : 'corrections'}`, { amount: d.amount, reason: d.reason, documentNumber: d.documentNumber });
    setNotice(r.state === 'applied'
      ? `${KIND[r.kind]} ${rub(r.amount)} по счёту ${r.accountNumber} проведено.`
      : `Исправление ${rub(r.amount)} по счёту ${r.accountNumber} больше порога школы: оно ждёт подтверждения другого сотрудника.`);
    form.setValues((v) => ({ ...v, amount: '', reason: '', documentNumber: '' }));
    load();
  });
  const mine = (r: MoneyRequest) => r.requestedByName === me.staff.fullName;
  return (
    <>
      {canWrite && (
        <form onSubmit={send} noValidate aria-label="Ручная операция">
          <div className="form-grid">
            <Field name="accountNumber" label="Лицевой счёт" value={form.values.accountNumber!} onChange={form.set} error={form.errors.accountNumber} inputMode="numeric" />
            <Field name="kind" label="Операция" value={form.values.kind!} onChange={form.set} options={[{ value: 'correction', label: 'Исправление (±)' }, { value: 'topUp', label: 'Пополнение (деньги получены)' }]} />
            <Field name="amount" label="Сумма, ₽" value={form.values.amount!} onChange={form.set} error={form.errors.amount} inputMode="decimal" hint="Со знаком минус — списание" />
            <Field name="documentNumber" label="Номер документа" value={form.values.documentNumber!} onChange={form.set} error={form.errors.documentNumber} />
          </div>
          <Field name="reason" label="Причина" value={form.values.reason!} onChange={form.set} error={form.errors.reason} />
          <FormError error={form.serverError} />
          {notice && <p className="notice" role="status" data-testid="money-notice">{notice}</p>}
          <div className="buttons">
            <button type="submit" className="primary" disabled={form.busy}>Провести</button>
            {/^\d{10}$/.test(form.values.accountNumber ?? '') && <button type="button" onClick={() => go('accounts', { account: form.values.accountNumber! })}>Открыть счёт</button>}
          </div>
        </form>
      )}
      <h2>Операции вручную</h2>
      <div className="table-tools">
        <label>Показать:{' '}
          <select value={state} onChange={(e) => setState(e.target.value as typeof state)}>
            <option value="pending">ждущие второй подписи</option><option value="">все</option>
          </select>
        </label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-label="Операции вручную">
          <thead><tr><th scope="col">Когда</th><th scope="col">Л/С</th><th scope="col">Операция</th><th scope="col" className="num">Сумма</th><th scope="col">Причина, документ</th><th scope="col">Кто</th><th scope="col">Состояние</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className={r.state === 'pending' && canWrite ? 'clickable' : undefined} tabIndex={r.state === 'pending' ? 0 : undefined}
                onClick={() => { if (r.state === 'pending' && canWrite) setDeciding(r); }} onKeyDown={(e) => { if (e.key === 'Enter' && r.state === 'pending' && canWrite) setDeciding(r); }}>
                <td>{dateTime(r.requestedAt)}</td><td>{r.accountNumber}</td><td>{KIND[r.kind]}</td><td className="num">{rub(r.amount)}</td>
                <td>{r.reason} (док. {r.documentNumber})</td><td>{r.requestedByName}</td>
                <td>{STATE[r.state]}{r.decidedByName && r.state !== 'pending' ? `: ${r.decidedByName}${r.decisionNote ? ` — ${r.decisionNote}` : ''}` : ''}</td>
              </tr>
            ))}
            {rows.length === 0 && <tr><td colSpan={7} className="muted">Нет операций</td></tr>}
          </tbody>
        </table>
      </div>
      {deciding && <DecideDialog base={base} request={deciding} own={mine(deciding)} onClose={() => setDeciding(null)} onDone={(msg) => { setDeciding(null); setNotice(msg); load(); }} />}
    </>
  );
}

const decisionForm = z.object({ note: z.string().trim().max(500, 'Не длиннее 500 знаков') });

function DecideDialog({ base, request, own, onClose, onDone }: { base: string; request: MoneyRequest; own: boolean; onClose: () => void; onDone: (msg: string) => void }) {
  const form = useZodForm(decisionForm, { note: '' });
  const decide = (action: 'approve' | 'reject') => form.submit(async (d) => {
    const r = await api<MoneyRequest>('POST', `${base}/money-requests/${encodeURIComponent(request.id)}/${action}`, d);
    onDone(r.state === 'applied' ? `Исправление ${rub(r.amount)} по счёту ${r.accountNumber} подтверждено и проведено.` : `Исправление по счёту ${r.accountNumber} отклонено.`);
  });
  return (
    <Dialog title="Исправление ждёт второй подписи" onClose={onClose}>
      <p><b>{rub(request.amount)}</b> по счёту {request.accountNumber}: {request.reason} (документ {request.documentNumber}).</p>
      <p className="muted">Запросил(а) {request.requestedByName}, {dateTime(request.requestedAt)}. {own ? 'Подтвердить своё исправление нельзя: это делает другой сотрудник.' : ''}</p>
      <form onSubmit={own ? (e) => e.preventDefault() : decide('approve')} noValidate>
        <Field name="note" label="Комментарий" value={form.values.note!} onChange={form.set} error={form.errors.note} autoFocus />
        <FormError error={form.serverError} />
        <div className="buttons">
          <button type="button" className="primary" disabled={form.busy || own} onClick={decide('approve')}>Подтвердить</button>
          <button type="button" className="danger" disabled={form.busy} onClick={decide('reject')}>Отклонить</button>
          <button type="button" onClick={onClose}>Закрыть</button>
        </div>
      </form>
    </Dialog>
  );
}
