import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, api, onUnauthorized } from './api/client.ts';
import type { Me } from './api/types.ts';
import { type Action, can } from './permissions.ts';

export interface Session {
  me: Me | null;
  /** true until the first GET /v1/me answered */
  checking: boolean;
  /** an error of the /v1/me check other than 401 (API down, ...) */
  error: ApiError | null;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  recheck: () => void;
  can: (action: Action) => boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);

  const recheck = useCallback(() => {
    setChecking(true);
    api
      .get<Me>('/v1/me')
      .then((m) => {
        setMe(m);
        setError(null);
      })
      .catch((e: unknown) => {
        setMe(null);
        setError(e instanceof ApiError && e.status === 401 ? null : (e as ApiError));
      })
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    recheck();
    return onUnauthorized(() => setMe(null));
  }, [recheck]);

  const login = useCallback(async (email: string, password: string) => {
    await api.post('/v1/auth/login', { email, password });
    setMe(await api.get<Me>('/v1/me'));
    setError(null);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post('/v1/auth/logout');
    } finally {
      setMe(null);
    }
  }, []);

  return (
    <SessionContext.Provider value={{ me, checking, error, login, logout, recheck, can: (action) => can(me, action) }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
