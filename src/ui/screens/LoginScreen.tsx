import { useState } from 'react';
import { usePos, usePosStore } from '../context.js';

export function LoginScreen() {
  const [pin, setPin] = useState('');
  const error = usePos((s) => s.loginError);
  const status = usePos((s) => s.status);
  const store = usePosStore();
  return (
    <main className="login">
      <form
        className="login-box"
        data-testid="login"
        onSubmit={(e) => { e.preventDefault(); const p = pin; setPin(''); void store.getState().login(p); }}
      >
        <h1>{status ? `${status.schoolName} · ${status.terminalName}` : 'Касса'}</h1>
        <label>
          PIN-код кассира
          <input
            data-testid="pin"
            type="password"
            inputMode="numeric"
            autoFocus
            autoComplete="off"
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 12))}
          />
        </label>
        <button type="submit">Войти <kbd>Enter</kbd></button>
        {error && <div className="login-error" role="alert" data-testid="login-error">{error}</div>}
      </form>
    </main>
  );
}
