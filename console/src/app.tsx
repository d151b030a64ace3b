import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { LiveEventsProvider, useLive } from './api/events.tsx';
import { ErrorBox, Loading } from './components/error-box.tsx';
import type { Lang } from './i18n/format.ts';
import { I18nProvider, useI18n } from './i18n/i18n.tsx';
import type { MessageKey } from './i18n/messages.ts';
import { AgentsScreen } from './screens/agents.tsx';
import { AlertsScreen } from './screens/alerts.tsx';
import { AssetsScreen } from './screens/assets.tsx';
import { FleetScreen } from './screens/fleet.tsx';
import { LoginScreen } from './screens/login.tsx';
import { RunCompareScreen } from './screens/run-compare.tsx';
import { RunDetailScreen } from './screens/run-detail.tsx';
import { SearchScreen } from './screens/search.tsx';
import { SessionProvider, useSession } from './session.tsx';

// Screens with charts load uPlot with them, so the first screen stays small.
const SiteScreen = lazy(() => import('./screens/site.tsx').then((m) => m.SiteScreen));
const InverterScreen = lazy(() => import('./screens/inverter.tsx').then((m) => m.InverterScreen));
const ProposalsScreen = lazy(() => import('./screens/proposals.tsx').then((m) => m.ProposalsScreen));
const ProposalScreen = lazy(() => import('./screens/proposals.tsx').then((m) => m.ProposalScreen));

const NAV: Array<{ href: string; label: MessageKey }> = [
  { href: '/', label: 'nav.fleet' },
  { href: '/alerts', label: 'nav.alerts' },
  { href: '/assets', label: 'nav.assets' },
  { href: '/proposals', label: 'nav.proposals' },
  { href: '/search', label: 'nav.search' },
  { href: '/agents', label: 'nav.agents' },
];

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <LocationProvider>
          <Shell />
        </LocationProvider>
      </SessionProvider>
    </I18nProvider>
  );
}

function Shell() {
  const { me, checking, error, recheck } = useSession();
  const { t } = useI18n();
  if (checking && !me) {
    return (
      <main id="main">
        <Loading />
      </main>
    );
  }
  if (!me) {
    return (
      <>
        <Header />
        {error && (
          <div class="page">
            <ErrorBox error={error} onRetry={recheck} />
          </div>
        )}
        <LoginScreen />
      </>
    );
  }
  return (
    <LiveEventsProvider enabled>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <Header />
      <div class="page">
        <ErrorBoundary>
          <Router>
            <Route path="/" component={FleetScreen} />
            <Route path="/sites/:id" component={SiteScreen} />
            <Route path="/sites/:site/devices/:id" component={InverterScreen} />
            <Route path="/alerts" component={AlertsScreen} />
            <Route path="/assets" component={AssetsScreen} />
            <Route path="/assets/runs/:id" component={RunDetailScreen} />
            <Route path="/assets/compare" component={RunCompareScreen} />
            <Route path="/proposals" component={ProposalsScreen} />
            <Route path="/proposals/:id" component={ProposalScreen} />
            <Route path="/search" component={SearchScreen} />
            <Route path="/agents" component={AgentsScreen} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </div>
    </LiveEventsProvider>
  );
}

function Header() {
  const { t, lang, setLang } = useI18n();
  const { me, logout } = useSession();
  const { path } = useLocation();
  const active = (href: string) => (href === '/' ? path === '/' || path.startsWith('/sites') : path.startsWith(href));
  return (
    <header class="top">
      <a href="/" class="brand">
        {t('app.title')}
      </a>
      {me && (
        <nav aria-label={t('app.menu')}>
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={active(n.href) ? 'page' : undefined}>
                  {t(n.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div class="tools">
        {me && <LiveDot />}
        <label>
          <span class="sr-only">{t('app.language')}</span>
          <select value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)} aria-label={t('app.language')}>
            <option value="pt-BR">Português (BR)</option>
            <option value="en">English</option>
          </select>
        </label>
        {me && (
          <>
            <span class="who" data-testid="who" data-role={me.role}>
              {me.email} · {t(`role.${me.role}`)}
              {me.sites ? ` · ${t('app.sitesScope', { count: me.sites.length })}` : ''}
            </span>
            <button type="button" onClick={() => void logout()}>
              {t('app.logout')}
            </button>
          </>
        )}
      </div>
    </header>
  );
}

function LiveDot() {
  const { t } = useI18n();
  const { connected } = useLive();
  return (
    <span class={connected ? 'live on' : 'live'} data-testid="live" data-connected={connected}>
      {connected ? t('app.live') : t('app.offline')}
    </span>
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <main id="main">
      <p>{t('app.notFound')}</p>
      <a href="/">{t('nav.fleet')}</a>
    </main>
  );
}
