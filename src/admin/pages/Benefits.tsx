import { useEffect, useState } from 'react';
import { api, ApiError, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { FUNDING_SOURCE_NAMES } from '../../api/admin/benefits.js';

interface Rule { id: string; mealSetName: string; parentPays: number; budgetPays: number | null; price: number | null; active: boolean }
interface Category { id: string; name: string; fundingSource: keyof typeof FUNDING_SOURCE_NAMES; active: boolean; rules: Rule[] }
interface Expiring { studentId: string; fullName: string; className: string; categoryName: string | null; document: string; validUntil: string }

/** Benefit categories with what each gets and who pays, and the basis documents about to run out. */
export function BenefitsPage({ schoolId }: PageProps) {
  const [cats, setCats] = useState<Category[]>([]);
  const [expiring, setExpiring] = useState<Expiring[]>([]);
  const [within, setWithin] = useState(30);
  const [error, setError] = useState('');
  const base = `/schools/${encodeURIComponent(schoolId)}/benefits`;
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e));
  useEffect(() => { api<Category[]>('GET', base).then(setCats, fail); }, [base]);
  useEffect(() => { api<Expiring[]>('GET', `${base}/expiring?withinDays=${within}`).then(setExpiring, fail); }, [base, within]);
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      <h2>Категории</h2>
      <div className="table-scroll">
        <table aria-label="Льготные категории">
          <thead><tr><th scope="col">Категория</th><th scope="col">Источник</th><th scope="col">Комплекс</th><th scope="col" className="num">Цена</th><th scope="col" className="num">Платят родители</th><th scope="col" className="num">Бюджет</th></tr></thead>
          <tbody>{cats.flatMap((c) => (c.rules.length ? c.rules : [null]).map((r, i) => (
            <tr key={`${c.id}:${r?.id ?? ''}`} className={c.active ? undefined : 'bad'}>
              <td>{i === 0 ? c.name : ''}</td>
              <td>{i === 0 ? FUNDING_SOURCE_NAMES[c.fundingSource] : ''}</td>
              <td>{r?.mealSetName ?? '—'}</td>
              <td className="num">{r?.price != null ? rub(r.price) : '—'}</td>
              <td className="num">{r ? rub(r.parentPays) : '—'}</td>
              <td className="num">{r?.budgetPays != null ? rub(r.budgetPays) : '—'}</td>
            </tr>
          )))}</tbody>
        </table>
      </div>
      <h2>Документы-основания, срок которых истекает</h2>
      <label>В ближайшие{' '}
        <select value={within} onChange={(e) => setWithin(Number(e.target.value))}>
          <option value={7}>7 дней</option><option value={30}>30 дней</option><option value={90}>90 дней</option>
        </select>
      </label>
      <div className="table-scroll">
        <table aria-label="Истекающие документы">
          <thead><tr><th scope="col">Ученик</th><th scope="col">Класс</th><th scope="col">Льгота</th><th scope="col">Документ</th><th scope="col">Действует по</th></tr></thead>
          <tbody>
            {expiring.map((e) => <tr key={`${e.studentId}:${e.categoryName}`}><td>{e.fullName}</td><td>{e.className}</td><td>{e.categoryName ?? '—'}</td><td>{e.document}</td><td>{new Date(`${e.validUntil}T12:00:00Z`).toLocaleDateString('ru-RU')}</td></tr>)}
            {expiring.length === 0 && <tr><td colSpan={5} className="muted">Нет документов, срок которых истекает</td></tr>}
          </tbody>
        </table>
      </div>
    </>
  );
}
