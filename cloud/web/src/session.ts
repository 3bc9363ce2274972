/** Who is logged in: the credential (API key or JWT) and what the web service says it is, kept for this tab only. */

export interface Session {
  readonly token: string;
  readonly role: string;
  readonly customerId: string | null;
  readonly id: string;
}

const KEY = 'vitals.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export const isAdmin = (s: Session | null) => s?.role === 'platform-admin' || s?.role === 'customer-admin';

/** Checks a credential with the web service; throws with the service's message when it is refused. */
export async function login(token: string): Promise<Session> {
  const res = await fetch('/api/web/session', { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as {
    role?: string;
    customerId?: string | null;
    id?: string;
    message?: string;
  };
  if (!res.ok) throw new Error(body.message ?? `login failed (${res.status})`);
  return { token, role: body.role ?? 'unknown', customerId: body.customerId ?? null, id: body.id ?? '' };
}
