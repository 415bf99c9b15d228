import { usePos, usePosStore } from '../context.js';
import { PinPad } from '../components/PinPad.js';

export function LoginScreen() {
  const error = usePos((s) => s.loginError);
  const status = usePos((s) => s.status);
  const store = usePosStore();
  return (
    <main className="login">
      <div className="login-box" data-testid="login">
        <h1>{status ? `${status.schoolName} · ${status.terminalName}` : 'Касса'}</h1>
        <PinPad label="PIN-код кассира" submitLabel="Войти" testId="pin" autoFocus onSubmit={(pin) => store.getState().login(pin)} />
        {error && <div className="login-error" role="alert" data-testid="login-error">{error}</div>}
      </div>
    </main>
  );
}
