import { useEffect, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { api, dateTime, qs, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { apiMessage } from '../components/zod-money.js';
import { go } from '../router.js';
import type { accountViewSchema, entryViewSchema } from '../../api/admin/money.js';
import type { PupilRow } from '../../api/admin/pupils.js';

type Account = z.infer<typeof accountViewSchema>;
type Entry = z.infer<typeof entryViewSchema>;

export const ENTRY_KIND: Record<string, string> = {
  sale: 'Покупка', refund: 'Возврат', topUp: 'Пополнение', correction: 'Исправление', subsidy: 'Дотация',
};
const CARD_STATE: Record<string, string> = { active: 'действует', blocked: 'заблокирована', lost: 'утеряна' };
const PAGE = 50;

/** What an entry was, in a line: the receipt number or the reason and document of money by hand. */
function entryTitle(e: Entry): string {
  const p = (e.payload ?? {}) as { reason?: string; documentNumber?: string; title?: string };
  if (e.receiptNumber) return `Чек №${e.receiptNumber}`;
  if (p.reason) return `${p.reason}${p.documentNumber ? ` (док. ${p.documentNumber})` : ''}`;
  return p.title ?? '';
}

/**
 * A pupil's account, read-only: find the pupil (name, class, account or card),
 * then the balance, cards and entries newest first with each receipt's dish
 * lines, as on the parents' statement.
 */
export function AccountsPage({ schoolId, params, roles }: PageProps) {
  const account = params.get('account') ?? '';
  const [q, setQ] = useState(account);
  const [found, setFound] = useState<PupilRow[] | null>(null);
  const [error, setError] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}`;
  const search = (e: FormEvent) => {
    e.preventDefault();
    const text = q.trim();
    if (/^\d{10}$/.test(text)) { go('accounts', { account: text }); return; }
    if (text.length < 2) { setError('Введите хотя бы две буквы фамилии, класс или лицевой счёт'); return; }
    setError('');
    api<{ rows: PupilRow[] }>('GET', `${base}/pupils${qs({ q: text, limit: 20 })}`).then((r) => setFound(r.rows), (err: unknown) => setError(apiMessage(err)));
  };
  const canMoney = roles.has('districtAdmin') || roles.has('schoolAdmin');
  return (
    <>
      <form className="table-tools" onSubmit={search} role="search">
        <label htmlFor="acc-q">Ученик или лицевой счёт</label>
        <input id="acc-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Фамилия, класс (3Б), 10 цифр счёта или карта" />
        <button type="submit">Найти</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {found && !account && (
        <div className="table-scroll">
          <table aria-label="Найденные ученики">
            <thead><tr><th scope="col">ФИО</th><th scope="col">Класс</th><th scope="col">Лицевой счёт</th><th scope="col" className="num">Баланс</th></tr></thead>
            <tbody>
              {found.map((p) => {
                const open = () => { if (p.accountNumber) go('accounts', { account: p.accountNumber }); };
                return (
                  <tr key={p.id} className="clickable" tabIndex={0} onClick={open} onKeyDown={(e) => { if (e.key === 'Enter') open(); }}>
                    <td>{p.fullName}</td><td>{p.className}</td><td>{p.accountNumber ?? '—'}</td><td className="num">{p.balance === null ? '—' : rub(p.balance)}</td>
                  </tr>
                );
              })}
              {found.length === 0 && <tr><td colSpan={4} className="muted">Никого не нашлось</td></tr>}
            </tbody>
          </table>
        </div>
      )}
      {account && <AccountView key={account} base={base} accountNumber={account} canMoney={canMoney} />}
    </>
  );
}

function AccountView({ base, accountNumber, canMoney }: { base: string; accountNumber: string; canMoney: boolean }) {
  const [acc, setAcc] = useState<Account | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const path = `${base}/accounts/${accountNumber}`;
  const loadEntries = (before?: string) => {
    api<Entry[]>('GET', `${path}/entries${qs({ limit: PAGE, before })}`).then((r) => {
      setEntries((old) => (before ? [...old, ...r] : r));
      setMore(r.length === PAGE);
    }, (e: unknown) => setError(apiMessage(e)));
  };
  useEffect(() => {
    api<Account>('GET', path).then(setAcc, (e: unknown) => setError(apiMessage(e)));
    loadEntries();
  }, [path]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!acc) return <p aria-busy="true">Загрузка…</p>;
  return (
    <>
      <div className="cards-row">
        <div className="stat">Лицевой счёт<b>{acc.accountNumber}</b></div>
        <div className="stat">Ученик<b>{acc.student ? `${acc.student.fullName}, ${acc.student.className}` : '—'}</b></div>
        <div className="stat">Остаток<b data-testid="account-balance">{rub(acc.balance)}</b></div>
        <div className="stat">Лимит в день<b>{acc.dailyLimit === null ? 'нет' : rub(acc.dailyLimit)}</b></div>
        <div className="stat">Карты<b>{acc.cards.map((c) => `${c.id}${c.state === 'active' ? '' : ` (${CARD_STATE[c.state] ?? c.state})`}`).join(', ') || '—'}</b></div>
      </div>
      {!acc.active && <p className="warn">Счёт закрыт.</p>}
      {canMoney && <div className="buttons"><button type="button" onClick={() => go('money', { account: accountNumber })}>Ручная операция по счёту…</button></div>}
      <h2>Операции</h2>
      <div className="table-scroll">
        <table aria-label="Операции по счёту">
          <thead><tr><th scope="col">Когда</th><th scope="col">Операция</th><th scope="col">Подробности</th><th scope="col" className="num">Сумма</th><th scope="col">Касса</th></tr></thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.uuid} className={e.applied ? undefined : 'bad'}>
                <td>{dateTime(e.createdAt)}</td>
                <td>{ENTRY_KIND[e.kind] ?? e.kind}{e.applied ? '' : ' (не проведена)'}</td>
                <td>
                  {entryTitle(e)}
                  {e.items.length > 0 && <ul className="items">{e.items.map((it, i) => <li key={i}>{it.name}{it.quantity > 1 ? ` × ${it.quantity}` : ''} — {rub(it.amount)}</li>)}</ul>}
                </td>
                <td className="num">{rub(e.amount)}</td>
                <td>{e.terminalId ?? 'сервер'}</td>
              </tr>
            ))}
            {entries.length === 0 && <tr><td colSpan={5} className="muted">Операций нет</td></tr>}
          </tbody>
        </table>
      </div>
      {more && <div className="buttons"><button type="button" onClick={() => loadEntries(entries.at(-1)?.createdAt)}>Показать ещё</button></div>}
    </>
  );
}
