import { useState } from 'preact/hooks';
import { useFocusHeading } from '../hooks.js';
import { login, type Session } from '../session.js';

export function LoginPage(props: { onLogin: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useFocusHeading('login');
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    login(token.trim())
      .then(props.onLogin, (err: unknown) => setError((err as Error).message))
      .finally(() => setBusy(false));
  };
  return (
    <main id="main" class="login">
      <h1 ref={heading} tabIndex={-1}>
        Vitals dashboard
      </h1>
      <form onSubmit={submit} aria-describedby="login-help">
        <label for="token">API key or access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          minLength={16}
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
        <p id="login-help" class="muted">
          Your credential is kept in this browser tab only and sent to this site's APIs.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
