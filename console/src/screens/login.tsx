import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';

export function LoginScreen() {
  const { t } = useI18n();
  const { login } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CONSOLE_ERROR', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form onSubmit={submit} class="card" aria-labelledby="login-title">
        <h1 id="login-title">{t('login.title')}</h1>
        <label>
          {t('login.email')}
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && error.status === 401 ? (
          <p class="error" role="alert" data-error-code={error.code}>
            {t('login.failed')}
          </p>
        ) : (
          <ErrorBox error={error} />
        )}
        <button type="submit" class="primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
