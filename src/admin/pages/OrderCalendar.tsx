import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api.js';
import type { PageProps } from '../App.js';
import { FormError } from '../components/Form.js';
import type { CalendarMonth } from '../../api/admin/order-setup.js';
import { EDITORS } from './OrderSetup.js';

/**
 * «Календарь»: the month as a grid (Monday first). Click a day, or drag across days (Shift+click
 * or Shift+Enter extends), then mark the range: holidays, an extra school day, back to the usual
 * week, or a quarantine of some classes (none picked: the whole school). A fixed day is shown
 * locked; the server refuses to change it and says why.
 */
type Day = CalendarMonth['days'][number];
const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'];
const MONTHS_OF = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];
const WEEK = ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс'];
const ruDate = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`;
const dayName = (d: string) => `${Number(d.slice(8, 10))} ${MONTHS_OF[Number(d.slice(5, 7)) - 1]}`;
const shiftMonth = (m: string, n: number) => { const d = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1 + n, 1)); return d.toISOString().slice(0, 7); };
const weekdayOf = (d: string) => (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7;
const localToday = () => { const t = new Date(); return new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 10); };

function describe(d: Day): { cls: string; text: string } {
  const parts: string[] = [];
  let cls = d.schoolDay ? 'school' : 'off';
  if (d.exception === 'holiday') { cls = 'holiday'; parts.push('каникулы'); }
  else if (d.exception === 'schoolDay') { cls = 'extra'; parts.push('учебный день'); }
  else if (!d.schoolDay && !d.quarantine) parts.push('выходной');
  if (d.quarantine) { cls = d.quarantine.wholeSchool ? 'quarantine' : `${cls} quarantine-part`; parts.push(d.quarantine.wholeSchool ? 'карантин: вся школа' : `карантин: ${d.quarantine.classNames.join(', ')}`); }
  if (d.fixedClasses.length) parts.push('заявка зафиксирована');
  if (d.note) parts.push(d.note);
  return { cls, text: parts.join(' · ') };
}

export function OrderCalendarPage({ schoolId, roles }: PageProps) {
  const canEdit = EDITORS.some((r) => roles.has(r));
  const base = `/schools/${encodeURIComponent(schoolId)}/orders`;
  const [month, setMonth] = useState(localToday().slice(0, 7));
  const [cal, setCal] = useState<CalendarMonth | null>(null);
  const [sel, setSel] = useState<{ from: string; to: string } | null>(null);
  const [anchor, setAnchor] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [classes, setClasses] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const load = useCallback(() => {
    api<CalendarMonth>('GET', `${base}/calendar?month=${month}`).then(setCal, (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))));
  }, [base, month]);
  useEffect(load, [load]);
  useEffect(() => {
    const up = () => setDragging(false);
    window.addEventListener('mouseup', up);
    return () => window.removeEventListener('mouseup', up);
  }, []);
  const pick = (d: string, extend: boolean) => {
    if (extend && anchor) setSel(anchor <= d ? { from: anchor, to: d } : { from: d, to: anchor });
    else { setAnchor(d); setSel({ from: d, to: d }); }
  };
  const run = (label: string, f: () => Promise<{ days: number; released: number }>) => {
    setError(null); setNotice('');
    f().then((r) => {
      setNotice(`${label}: дней ${r.days}${r.released ? `; освобождено заказов родителей: ${r.released}` : ''}`);
      load();
    }, (e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e))));
  };
  const mark = (kind: 'holiday' | 'schoolDay' | 'usual', label: string) => sel && run(label, () => api('POST', `${base}/calendar/days`, { ...sel, kind, note }));
  const quarantine = () => sel && run(classes.length ? `Карантин ${classes.join(', ')}` : 'Карантин всей школы', async () => {
    const q = await api<{ released: number; fromDay: string; toDay: string }>('POST', `${base}/quarantines`, { ...sel, classNames: classes, note });
    return { days: Math.round((Date.parse(q.toDay) - Date.parse(q.fromDay)) / 86_400_000) + 1, released: q.released };
  });
  const lift = (id: string, fromDay: string) => run(`Карантин снят с ${ruDate(fromDay)}`, () => api('POST', `${base}/quarantines/${encodeURIComponent(id)}/lift`, { fromDay }));
  const inSel = (d: string) => sel !== null && sel.from <= d && d <= sel.to;
  const lead = cal ? weekdayOf(cal.days[0]!.date) : 0;
  const today = localToday();
  return (
    <div className="order-calendar">
      <div className="table-tools">
        <button type="button" onClick={() => { setMonth(shiftMonth(month, -1)); setSel(null); }} aria-label="Предыдущий месяц">←</button>
        <b data-testid="calendar-month">{MONTHS[Number(month.slice(5, 7)) - 1]} {month.slice(0, 4)}</b>
        <button type="button" onClick={() => { setMonth(shiftMonth(month, 1)); setSel(null); }} aria-label="Следующий месяц">→</button>
        <label>Месяц: <input type="month" value={month} onChange={(e) => { if (e.target.value) { setMonth(e.target.value); setSel(null); } }} /></label>
      </div>
      {cal && (
        <table className="cal-grid" aria-label={`Календарь питания, ${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`}>
          <thead><tr>{WEEK.map((w) => <th key={w} scope="col">{w}</th>)}</tr></thead>
          <tbody>{Array.from({ length: Math.ceil((lead + cal.days.length) / 7) }, (_, week) => (
            <tr key={week}>
              {Array.from({ length: 7 }, (_, i) => {
                const d = cal.days[week * 7 + i - lead];
                if (!d) return <td key={i} className="cal-blank" />;
                const { cls, text } = describe(d);
                return (
                  <td key={d.date}>
                    <button type="button" className={`cal-day ${cls}${inSel(d.date) ? ' selected' : ''}${d.date === today ? ' today' : ''}`}
                      data-testid={`cal-${d.date}`} aria-pressed={inSel(d.date)} aria-label={`${dayName(d.date)}: ${text || 'учебный день'}`} title={text}
                      onMouseDown={(e) => { if (canEdit) { e.preventDefault(); pick(d.date, e.shiftKey); setDragging(true); } }}
                      onMouseEnter={() => { if (dragging && anchor) pick(d.date, true); }}
                      onClick={(e) => { if (e.detail === 0) pick(d.date, e.shiftKey); }}>
                      <span className="cal-num">{Number(d.date.slice(8, 10))}{d.fixedClasses.length > 0 && <span className="cal-lock" aria-hidden="true"> ✓</span>}</span>
                      <span className="cal-text">{text}</span>
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}</tbody>
        </table>
      )}
      <ul className="cal-legend" aria-label="Обозначения">
        <li><span className="swatch school" /> учебный день</li>
        <li><span className="swatch off" /> выходной</li>
        <li><span className="swatch holiday" /> каникулы</li>
        <li><span className="swatch extra" /> дополнительный учебный день</li>
        <li><span className="swatch quarantine" /> карантин всей школы</li>
        <li><span className="swatch quarantine-part" /> карантин классов</li>
        <li><span className="cal-lock">✓</span> заявка зафиксирована: день не меняется</li>
      </ul>
      <FormError error={error} />
      {notice && <p className="notice" role="status">{notice}</p>}
      {canEdit && sel && cal && (
        <section className="cal-actions" aria-label="Отметить выбранные дни">
          <p><b>Выбрано: {sel.from === sel.to ? ruDate(sel.from) : `${ruDate(sel.from)} – ${ruDate(sel.to)}`}</b> <span className="muted">(перетащите мышью или Shift+щелчок, чтобы выбрать несколько дней)</span></p>
          <div className="field"><label htmlFor="cal-note">Пояснение</label>
            <input id="cal-note" value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} placeholder="например, осенние каникулы" /></div>
          <div className="buttons">
            <button type="button" onClick={() => mark('holiday', 'Каникулы')}>Каникулы</button>
            <button type="button" onClick={() => mark('schoolDay', 'Учебный день')}>Учебный день</button>
            <button type="button" onClick={() => mark('usual', 'Как обычно')}>Как обычно</button>
          </div>
          <fieldset className="chips-pick">
            <legend>Карантин: классы (ни одного — вся школа)</legend>
            {cal.classes.map((c) => (
              <button key={c} type="button" className="chip" aria-pressed={classes.includes(c)}
                onClick={() => setClasses(classes.includes(c) ? classes.filter((x) => x !== c) : [...classes, c])}>{c}</button>
            ))}
          </fieldset>
          <div className="buttons"><button type="button" className="primary" onClick={quarantine}>{classes.length ? `Карантин: ${classes.join(', ')}` : 'Карантин всей школы'}</button></div>
        </section>
      )}
      {cal && cal.quarantines.length > 0 && (
        <>
          <h2>Карантины этого месяца</h2>
          <div className="table-scroll">
            <table aria-label="Карантины">
              <thead><tr><th scope="col">Классы</th><th scope="col">С</th><th scope="col">По</th><th scope="col">Пояснение</th>{canEdit && <th scope="col"><span className="skip">Снять</span></th>}</tr></thead>
              <tbody>{cal.quarantines.map((q) => {
                const from = sel && sel.from > q.fromDay ? sel.from : q.fromDay;
                return (
                  <tr key={q.id}>
                    <td>{q.classNames.length ? q.classNames.join(', ') : 'вся школа'}</td><td>{ruDate(q.fromDay)}</td><td>{ruDate(q.toDay)}</td><td>{q.note}</td>
                    {canEdit && <td><button type="button" onClick={() => lift(q.id, from)}>{from === q.fromDay ? 'Снять' : `Снять с ${ruDate(from)}`}</button></td>}
                  </tr>
                );
              })}</tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
