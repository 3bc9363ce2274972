import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, type Api } from './api.js';
import { AdminPage } from './pages/admin/admin-page.js';
import { DepartmentPage } from './pages/department.js';
import { HomePage } from './pages/home.js';
import { LoginPage } from './pages/login.js';
import { PatientPage } from './pages/patient.js';
import { href, navigate, useRoute } from './router.js';
import { clearSession, isAdmin, loadSession, saveSession, type Session } from './session.js';
import { AnalyticsStream } from './stream.js';

export interface Ctx {
  readonly session: Session;
  readonly api: Api;
  readonly stream: AnalyticsStream;
}

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(loadSession);
  const logout = () => {
    clearSession();
    setSession(null);
    navigate(href.login());
  };
  const ctx = useMemo<Ctx | null>(
    () => (session ? { session, api: createApi(session.token, logout), stream: new AnalyticsStream(session.token) } : null),
    [session?.token],
  );
  useEffect(() => () => ctx?.stream.close(), [ctx]);
  useEffect(() => {
    if (!session && route.name !== 'login') navigate(href.login());
  }, [session, route.name]);

  if (!ctx || route.name === 'login') {
    return (
      <LoginPage
        onLogin={(s) => {
          saveSession(s);
          setSession(s);
          navigate(href.home());
        }}
      />
    );
  }
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.home()}>
          Vitals
        </a>
        <nav aria-label="Main">
          <a href={href.home()} aria-current={route.name === 'home' ? 'page' : undefined}>
            Departments
          </a>
          {isAdmin(ctx.session) ? (
            <a href={href.admin()} aria-current={route.name === 'admin' ? 'page' : undefined}>
              Administration
            </a>
          ) : null}
        </nav>
        <span class="who">
          {ctx.session.role}
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {route.name === 'home' ? <HomePage ctx={ctx} /> : null}
        {route.name === 'department' ? <DepartmentPage ctx={ctx} departmentId={route.id} /> : null}
        {route.name === 'patient' ? <PatientPage ctx={ctx} patientId={route.id} /> : null}
        {route.name === 'admin' ? <AdminPage ctx={ctx} tab={route.tab} /> : null}
        {route.name === 'not-found' ? (
          <p>
            Nothing at {route.path}. <a href={href.home()}>Back to the departments</a>
          </p>
        ) : null}
      </main>
    </>
  );
}
