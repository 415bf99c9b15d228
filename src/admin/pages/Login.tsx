import { useState } from 'react';
import { z } from 'zod';
import { api, setCsrf } from '../api.js';
import { Field, FormError, useZodForm } from '../components/Form.js';
import type { Me } from '../session.js';

/** What the server answers to a password: signed in, a TOTP code wanted, or TOTP to be set up first. */
type LoginAnswer =
  | { status: 'ok'; me: Me }
  | { status: 'totp' }
  | { status: 'enrol'; secret: string; uri: string };

const passwordSchema = z.object({
  login: z.string().trim().min(1, 'Введите логин'),
  password: z.string().min(1, 'Введите пароль'),
});
const codeSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'Код — 6 цифр из приложения-аутентификатора') });

/**
 * Staff login: login and password, then the 6-digit TOTP code (required for
 * admins). At the first login of an admin the server hands out a new secret:
 * shown as text and as an otpauth:// link to type or paste into the
 * authenticator app (no QR image: nothing here loads outside code).
 */
export function LoginPage({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [step, setStep] = useState<{ kind: 'password' } | { kind: 'totp' } | { kind: 'enrol'; secret: string; uri: string }>({ kind: 'password' });
  const pw = useZodForm(passwordSchema, { login: '', password: '' });
  const totp = useZodForm(codeSchema, { code: '' });

  const done = (me: Me) => { setCsrf(me.csrf); onLoggedIn(me); };
  const onPassword = pw.submit(async (data) => {
    const res = await api<LoginAnswer>('POST', '/auth/login', data);
    if (res.status === 'ok') done(res.me);
    else if (res.status === 'totp') setStep({ kind: 'totp' });
    else setStep({ kind: 'enrol', secret: res.secret, uri: res.uri });
  });
  const onCode = totp.submit(async (data) => {
    const res = await api<LoginAnswer>('POST', '/auth/totp', data);
    if (res.status === 'ok') done(res.me);
  });

  return (
    <main className="login-page">
      <div className="login-box">
        <h1>Вход в консоль столовой</h1>
        {step.kind === 'password' ? (
          <form onSubmit={onPassword} noValidate>
            <Field name="login" label="Логин" value={pw.values.login!} onChange={pw.set} error={pw.errors.login} autoFocus autoComplete="username" />
            <Field name="password" label="Пароль" type="password" value={pw.values.password!} onChange={pw.set} error={pw.errors.password} autoComplete="current-password" />
            <FormError error={pw.serverError} />
            <button type="submit" className="primary" disabled={pw.busy}>Войти</button>
          </form>
        ) : (
          <form onSubmit={onCode} noValidate>
            {step.kind === 'enrol' && (
              <section className="enrol" aria-labelledby="enrol-h">
                <h2 id="enrol-h">Подключите двухфакторную защиту</h2>
                <p>Добавьте учётную запись в приложение-аутентификатор (Яндекс Ключ, Google Authenticator и т.п.): введите ключ вручную или откройте ссылку на этом устройстве.</p>
                <p>Ключ: <code data-testid="totp-secret">{step.secret}</code></p>
                <p>Ссылка: <code className="wrap" data-testid="totp-uri">{step.uri}</code></p>
              </section>
            )}
            <Field name="code" label="Код из приложения" value={totp.values.code!} onChange={totp.set} error={totp.errors.code}
              autoFocus inputMode="numeric" autoComplete="one-time-code" />
            <FormError error={totp.serverError} />
            <div className="buttons">
              <button type="submit" className="primary" disabled={totp.busy}>Подтвердить</button>
              <button type="button" onClick={() => setStep({ kind: 'password' })}>Назад</button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
