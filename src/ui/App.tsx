import { OfflineBanner, StatusBar } from './components/StatusBar.js';
import { usePos, usePosStore } from './context.js';
import { time } from './format.js';
import { LoginScreen } from './screens/LoginScreen.js';
import { ManagerDialog } from './screens/ManagerDialog.js';
import { SaleScreen } from './screens/SaleScreen.js';
import { ServeScreen } from './screens/ServeScreen.js';

function Header() {
  const status = usePos((s) => s.status);
  const store = usePosStore();
  if (!status) return <header className="top"><h1 className="top-title">Касса</h1></header>;
  return (
    <header className="top">
      <h1 className="top-title">{status.schoolName} · {status.terminalName}</h1>
      <span data-testid="shift-info">{status.shift ? `Смена №${status.shift.number} с ${time(status.shift.openedAt)}` : 'Смена закрыта'}</span>
      {status.session && (
        <>
          <span data-testid="cashier">{status.session.role === 'manager' ? 'Заведующий' : 'Кассир'}: {status.session.name}</span>
          <button type="button" data-testid="open-serving" onClick={() => store.getState().showServing(!store.getState().serving)}>Выдача по заявке</button>
          <button type="button" data-testid="open-manager" onClick={() => store.getState().showManager()}>Заведующий <kbd>Ctrl+M</kbd></button>
          <button type="button" data-testid="logout" onClick={() => void store.getState().logout()}>Выход</button>
        </>
      )}
    </header>
  );
}

export function App() {
  const loggedIn = usePos((s) => !!s.status?.session);
  const manager = usePos((s) => !!s.manager);
  const serving = usePos((s) => s.serving);
  return (
    <div className="app">
      <Header />
      {/* Always an element: the grid's second row even when online (the screen below then gets the 1fr row). */}
      <div className="banners"><OfflineBanner /></div>
      {loggedIn ? (serving ? <ServeScreen /> : <SaleScreen />) : <LoginScreen />}
      {loggedIn && manager && <ManagerDialog />}
      <StatusBar />
    </div>
  );
}
