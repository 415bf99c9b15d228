import { useState } from 'react';
import { z } from 'zod';
import { api, ApiError, setCsrf } from '../api.js';
import { Field, FormError, useZodForm } from '../components/Form.js';
import type { Me } from '../session.js';

const passwordSchema = z.object({
  login: z.string().trim().min(1, 'Введите логин'),
  password: z.string().min(1, 'Введите пароль'),
});
const codeSchema = z.object({ totp: z.string().trim().regex(/^\d{6}$/, 'Код — 6 цифр из приложения-аутентификатора') });

type Step = { kind: 'password' } | { kind: 'totp' } | { kind: 'enrol'; secret: string; uri: string };

/**
 * Staff login: login and password, then the 6-digit TOTP code (district and
 * school admins). At an admin's first login the server hands out a new secret,
 * shown as text and as an otpauth:// link to type or paste into the
 * authenticator app; the first code confirms it.
 */
export function LoginPage({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const pw = useZodForm(passwordSchema, { login: '', password: '' });
  const code = useZodForm(codeSchema, { totp: '' });

  const signedIn = async (me: Me) => {
    setCsrf(me.csrfToken);
    if (me.state === 'ok') { onLoggedIn(me); return; }
    const enrol = await api<{ secret: string; uri: string }>('POST', '/auth/totp/start', {});
    setStep({ kind: 'enrol', ...enrol });
  };
  const onPassword = pw.submit(async (data) => {
    try {
      await signedIn(await api<Me>('POST', '/auth/login', data));
    } catch (e) {
      const needsCode = e instanceof ApiError && (e.details as { totpRequired?: boolean } | undefined)?.totpRequired;
      if (!needsCode) throw e;
      setStep({ kind: 'totp' });
    }
  });
  const onCode = code.submit(async ({ totp }) => {
    const me = step.kind === 'enrol'
      ? await api<Me>('POST', '/auth/totp/confirm', { totp })
      : await api<Me>('POST', '/auth/login', { ...passwordSchema.parse(pw.values), totp });
    await signedIn(me);
  });

  return (
    <main className="login-page">
      <div className="login-box">
        <h1>Вход в консоль столовой</h1>
        {step.kind === 'password' ? (
          <form onSubmit={onPassword} noValidate aria-label="Вход">
            <Field name="login" label="Логин" value={pw.values.login!} onChange={pw.set} error={pw.errors.login} autoFocus autoComplete="username" />
            <Field name="password" label="Пароль" type="password" value={pw.values.password!} onChange={pw.set} error={pw.errors.password} autoComplete="current-password" />
            <FormError error={pw.serverError} />
            <button type="submit" className="primary" disabled={pw.busy}>Войти</button>
          </form>
        ) : (
          <form onSubmit={onCode} noValidate aria-label="Код подтверждения">
            {step.kind === 'enrol' && (
              <section className="enrol" aria-labelledby="enrol-h">
                <h2 id="enrol-h">Подключите приложение-аутентификатор</h2>
                <p>Для администраторов вход защищён вторым фактором. Добавьте учётную запись в приложение (Яндекс Ключ, Google Authenticator и т. п.): введите ключ вручную или откройте ссылку на телефоне.</p>
                <p>Ключ: <code data-testid="totp-secret">{step.secret}</code></p>
                <p>Ссылка: <code className="wrap" data-testid="totp-uri">{step.uri}</code></p>
              </section>
            )}
            <Field name="totp" label="Код из приложения" value={code.values.totp!} onChange={code.set} error={code.errors.totp}
              autoFocus inputMode="numeric" autoComplete="one-time-code" />
            <FormError error={code.serverError} />
            <div className="buttons">
              <button type="submit" className="primary" disabled={code.busy}>Подтвердить</button>
              <button type="button" onClick={() => { setStep({ kind: 'password' }); code.setValues({ totp: '' }); }}>Назад</button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
