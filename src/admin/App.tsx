import { useEffect, useState, type ComponentType } from 'react';
import { whenUnauthorized } from './api.js';
import { useRoute } from './router.js';
import { logout, ROLE_NAMES, whoAmI, type Me } from './session.js';
import { LoginPage } from './pages/Login.js';
import { PAGES } from './pages/index.js';

export interface PageProps { me: Me; params: URLSearchParams }
export interface PageDef { id: string; title: string; component: ComponentType<PageProps>; roles?: string[] }

/** Layout: the navigation on the left (one link per page), the page on the right. */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => { void whoAmI().then(setMe); whenUnauthorized(() => setMe(null)); }, []);

  if (me === undefined) return <main className="loading" aria-busy="true">Загрузка…</main>;
  if (me === null) return <LoginPage onLoggedIn={setMe} />;

  const visible = PAGES.filter((p) => !p.roles || p.roles.includes(me.role));
  const page = visible.find((p) => p.id === route.page) ?? visible[0]!;
  const Page = page.component;
  return (
    <div className="layout">
      <a className="skip" href="#main">К содержимому</a>
      <header className="topbar">
        <b>Столовая · консоль</b>
        <span className="who">{me.name} · {ROLE_NAMES[me.role] ?? me.role}</span>
        <button type="button" onClick={() => { void logout().then(() => setMe(null)); }}>Выйти</button>
      </header>
      <nav className="sidenav" aria-label="Разделы">
        <ul>
          {visible.map((p) => (
            <li key={p.id}><a href={`#/${p.id}`} aria-current={p.id === page.id ? 'page' : undefined}>{p.title}</a></li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <h1>{page.title}</h1>
        <Page me={me} params={route.params} />
      </main>
    </div>
  );
}
