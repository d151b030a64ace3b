import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, api } from '../api/client.ts';
import { useLiveEvents } from '../api/events.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { normalizeRun } from '../run-detail-data.ts';
import { useAsync } from '../use-async.ts';

const POLL_MS = 2000;

export function RunDetailScreen({ id }: { id: string }) {
  const { t, f } = useI18n();
  const { can } = useSession();
  const { route } = useLocation();
  const run = useAsync(() => api.get<unknown>(`/v1/jobs/runs/${encodeURIComponent(id)}`).then(normalizeRun), [id]);
  const [error, setError] = useState<ApiError | null>(null);
  useLiveEvents('run.', (e) => e.id === id && run.reload());
  const finished = Boolean(run.data?.finishedAt);
  // A run under way is also polled: the live stream may be down and the page must still finish.
  useEffect(() => {
    if (!run.data || finished) return;
    const timer = setInterval(run.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [run.data, finished, run.reload]);

  const retry = async () => {
    setError(null);
    try {
      const { runId } = await api.post<{ runId: string }>(`/v1/jobs/runs/${encodeURIComponent(id)}/retry`);
      route(`/assets/runs/${encodeURIComponent(runId)}`);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const r = run.data;
  return (
    <main id="main">
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="/assets">{t('nav.assets')}</a> › <span>{id}</span>
      </nav>
      <h1>{t('assets.run', { id: id })}</h1>
      <ErrorBox error={run.error} onRetry={run.reload} />
      <ErrorBox error={error} />
      {run.loading && !r && <Loading />}
      {r && (
        <>
          <dl class="facts card" data-testid="run-summary" data-status={r.status} data-finished={finished}>
            <dt>{t('assets.status')}</dt>
            <dd>
              <span class={`badge run-${r.status}`}>{r.status}</span>
            </dd>
            <dt>{t('assets.trigger')}</dt>
            <dd>{r.trigger}</dd>
            <dt>{t('nav.assets')}</dt>
            <dd>{r.assets.join(', ')}</dd>
            <dt>{t('assets.started.at')}</dt>
            <dd>{f.date(r.startedAt)}</dd>
            <dt>{t('assets.finished.at')}</dt>
            <dd>{f.date(r.finishedAt)}</dd>
          </dl>
          {can('jobs.materialize') && finished && (
            <button type="button" onClick={retry}>
              {t('assets.retry')}
            </button>
          )}
          <h2>{t('assets.steps')}</h2>
          <div class="scroll-x">
            <table data-testid="run-steps">
              <thead>
                <tr>
                  <th scope="col">{t('nav.assets')}</th>
                  <th scope="col">{t('assets.status')}</th>
                  <th scope="col">{t('assets.started.at')}</th>
                  <th scope="col">{t('assets.finished.at')}</th>
                  <th scope="col" class="num">
                    rows
                  </th>
                  <th scope="col">{t('assets.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {(r.steps ?? []).map((s) => (
                  <tr key={s.asset} data-asset={s.asset} data-status={s.status}>
                    <td>{s.asset}</td>
                    <td>
                      <span class={`badge run-${s.status}`}>{s.status}</span>
                    </td>
                    <td>{f.date(s.startedAt)}</td>
                    <td>{f.date(s.finishedAt)}</td>
                    <td class="num">{f.number(s.rows ?? null, 0)}</td>
                    <td>{s.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t('assets.checks')}</h2>
          {(r.checks ?? []).length === 0 && <p class="muted">{t('app.empty')}</p>}
          <ul class="plain">
            {(r.checks ?? []).map((c) => (
              <li key={`${c.asset}-${c.name}`}>
                <span class={`badge ${c.passed ? 'asset-fresh' : 'asset-failing'}`}>
                  {c.passed ? t('assets.check.passed') : t('assets.check.failed')}
                </span>{' '}
                {c.asset ? `${c.asset} · ` : ''}
                {c.name} {c.detail ? <span class="muted">— {c.detail}</span> : null}
              </li>
            ))}
          </ul>
          <h2>{t('assets.logs')}</h2>
          <pre class="logs" data-testid="run-logs">
            {(r.logs ?? [])
              .map((l) => `${l.at} ${l.level.toUpperCase()} ${l.asset ? `[${l.asset}] ` : ''}${l.message}`)
              .join('\n')}
          </pre>
        </>
      )}
    </main>
  );
}
