import { useEffect, useState } from 'react';
import { api, rub } from '../api.js';
import type { PageProps } from '../App.js';
import { apiMessage } from '../components/zod-money.js';
import { FUNDING_SOURCE_NAMES } from '../../api/admin/benefits.js';
import { CategoryDialog, PupilBenefits, RuleDialog, type BenefitCategory, type Rule } from './BenefitsEdit.js';

interface Expiring { studentId: string; fullName: string; className: string; categoryName: string | null; document: string; validUntil: string }

/**
 * Benefit categories with what each gets and who pays (an admin adds and edits
 * them), pupils' basis documents (grant, extend, take off), and the documents about to run out.
 */
export function BenefitsPage({ schoolId, roles }: PageProps) {
  const [cats, setCats] = useState<BenefitCategory[]>([]);
  const [expiring, setExpiring] = useState<Expiring[]>([]);
  const [within, setWithin] = useState(30);
  const [error, setError] = useState('');
  const [editCat, setEditCat] = useState<BenefitCategory | 'new' | null>(null);
  const [editRule, setEditRule] = useState<{ cat: BenefitCategory; rule: Rule | null } | null>(null);
  const canEdit = roles.has('districtAdmin') || roles.has('schoolAdmin');
  const schoolBase = `/schools/${encodeURIComponent(schoolId)}`;
  const base = `${schoolBase}/benefits`;
  const fail = (e: unknown) => setError(apiMessage(e));
  const load = () => { api<BenefitCategory[]>('GET', base).then(setCats, fail); };
  useEffect(load, [base]);
  useEffect(() => { api<Expiring[]>('GET', `${base}/expiring?withinDays=${within}`).then(setExpiring, fail); }, [base, within]);
  const saved = () => { setEditCat(null); setEditRule(null); load(); };
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      <h2>Категории</h2>
      {canEdit && <div className="buttons"><button type="button" onClick={() => setEditCat('new')}>Добавить категорию…</button></div>}
      <div className="table-scroll">
        <table aria-label="Льготные категории">
          <thead><tr><th scope="col">Категория</th><th scope="col">Источник</th><th scope="col">Комплекс</th><th scope="col" className="num">Цена</th><th scope="col" className="num">Платят родители</th><th scope="col" className="num">Бюджет</th>{canEdit && <th scope="col"><span className="skip">Действия</span></th>}</tr></thead>
          <tbody>{cats.flatMap((c) => (c.rules.length ? c.rules : [null]).map((r, i) => (
            <tr key={`${c.id}:${r?.id ?? ''}`} className={c.active ? undefined : 'bad'}>
              <td>{i === 0 ? c.name : ''}{i === 0 && !c.active ? ' (не действует)' : ''}</td>
              <td>{i === 0 ? FUNDING_SOURCE_NAMES[c.fundingSource] : ''}</td>
              <td>{r?.mealSetName ?? '—'}{r && !r.active ? ' (не действует)' : ''}</td>
              <td className="num">{r?.price != null ? rub(r.price) : '—'}</td>
              <td className="num">{r ? rub(r.parentPays) : '—'}</td>
              <td className="num">{r?.budgetPays != null ? rub(r.budgetPays) : '—'}</td>
              {canEdit && (
                <td>
                  {i === 0 && <button type="button" onClick={() => setEditCat(c)} aria-label={`Изменить категорию ${c.name}`}>Категория</button>}{' '}
                  {r && <button type="button" onClick={() => setEditRule({ cat: c, rule: r })} aria-label={`Изменить ${r.mealSetName} для ${c.name}`}>Комплекс</button>}{' '}
                  {i === 0 && <button type="button" onClick={() => setEditRule({ cat: c, rule: null })} aria-label={`Добавить комплекс для ${c.name}`}>+ комплекс</button>}
                </td>
              )}
            </tr>
          )))}
          {cats.length === 0 && <tr><td colSpan={canEdit ? 7 : 6} className="muted">Категорий нет</td></tr>}
          </tbody>
        </table>
      </div>
      <h2>Льготы учеников</h2>
      <PupilBenefits schoolBase={schoolBase} categories={cats} canEdit={canEdit} />
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
      {editCat && <CategoryDialog base={base} category={editCat === 'new' ? null : editCat} onClose={() => setEditCat(null)} onSaved={saved} />}
      {editRule && <RuleDialog base={base} schoolBase={schoolBase} category={editRule.cat} rule={editRule.rule} onClose={() => setEditRule(null)} onSaved={saved} />}
    </>
  );
}
