import { useEffect, useState, type ComponentType } from 'react';
import { api, whenUnauthorized } from './api.js';
import { useRoute } from './router.js';
import { grantSchoolIds, logout, rolesAt, ROLE_NAMES, whoAmI, type Me } from './session.js';
import type { StaffRole } from '../api/admin/common.js';
import { LoginPage } from './pages/Login.js';
import { PAGES } from './pages/index.js';

export interface PageProps { me: Me; schoolId: string; schools: SchoolRef[]; params: URLSearchParams; roles: Set<StaffRole> }
export interface PageDef { id: string; title: string; component: ComponentType<PageProps>; roles?: readonly StaffRole[] }
export interface SchoolRef { id: string; name: string }

const SCHOOL_KEY = 'canteen-admin-school';

/**
 * Layout: the school being worked on and the person at the top, the
 * navigation on the left (only the pages the person's roles open), the page
 * on the right. The server checks every call; the navigation only hides what would be refused.
 */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [schools, setSchools] = useState<SchoolRef[]>([]);
  const [schoolId, setSchoolId] = useState<string>(() => localStorage.getItem(SCHOOL_KEY) ?? '');
  const route = useRoute();
  useEffect(() => { void whoAmI().then(setMe); whenUnauthorized(() => setMe(null)); }, []);
  useEffect(() => {
    if (!me || me.state !== 'ok') return;
    const own = grantSchoolIds(me);
    void api<{ rows: SchoolRef[] } | SchoolRef[]>('GET', '/schools')
      .then((r) => (Array.isArray(r) ? r : r.rows))
      .catch(() => own.map((id) => ({ id, name: id })))
      .then((list) => {
        setSchools(list);
        if (!list.some((s) => s.id === schoolId) && list[0]) setSchoolId(list[0].id);
      });
  }, [me]);

  if (me === undefined) return <main className="loading" aria-busy="true">Загрузка…</main>;
  if (me === null || me.state !== 'ok') return <LoginPage onLoggedIn={setMe} />;

  const roles = rolesAt(me, schoolId || null);
  const visible = PAGES.filter((p) => !p.roles || p.roles.some((r) => roles.has(r)));
  const page = visible.find((p) => p.id === route.page) ?? visible[0];
  const Page = page?.component;
  const chooseSchool = (id: string) => { setSchoolId(id); localStorage.setItem(SCHOOL_KEY, id); };
  return (
    <div className="layout">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>К содержимому</a>
      <header className="topbar">
        <b>Столовая · консоль</b>
        {schools.length > 0 && (
          <label className="school-pick">Школа:{' '}
            <select value={schoolId} onChange={(e) => chooseSchool(e.target.value)} data-testid="school-select">
              {schools.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
          </label>
        )}
        <span className="who">{me.staff.fullName} · {[...new Set(me.staff.grants.map((g) => ROLE_NAMES[g.role]))].join(', ')}</span>
        <button type="button" onClick={() => { void logout().then(() => setMe(null)); }}>Выйти</button>
      </header>
      <nav className="sidenav" aria-label="Разделы">
        <ul>
          {visible.map((p) => (
            <li key={p.id}><a href={`#/${p.id}`} aria-current={p.id === page?.id ? 'page' : undefined}>{p.title}</a></li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {page && Page && schoolId ? (
          <>
            <h1>{page.title}</h1>
            <Page key={`${page.id}:${schoolId}`} me={me} schoolId={schoolId} schools={schools} params={route.params} roles={roles} />
          </>
        ) : <p className="muted">Нет доступных разделов: обратитесь к администратору.</p>}
      </main>
    </div>
  );
}
