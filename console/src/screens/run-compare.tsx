import { useLocation } from 'preact-iso';
import { api } from '../api/client.ts';
import type { CompareSide } from '../api/types.ts';
import { cellText, readComparison } from '../compare-rows.ts';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { normalizeRun } from '../run-detail-data.ts';
import { useAsync } from '../use-async.ts';

export function RunCompareScreen() {
  const { t, f } = useI18n();
  const { query } = useLocation();
  const a = query.a ?? '';
  const b = query.b ?? '';
  const compare = useAsync(() => api.get<unknown>('/v1/jobs/compare', { a, b }).then(readComparison), [a, b]);
  const runA = useAsync(() => api.get<unknown>(`/v1/jobs/runs/${encodeURIComponent(a)}`).then(normalizeRun), [a]);
  const runB = useAsync(() => api.get<unknown>(`/v1/jobs/runs/${encodeURIComponent(b)}`).then(normalizeRun), [b]);
  const c = compare.data;
  const rows = (s: CompareSide | null) => (s ? f.number(s.rowCount, 0) : '—');
  const diff = (changed: string[], field: string) => (changed.includes(field) ? 'diff' : undefined);
  const passed = (p: { passed: boolean } | null) =>
    p === null ? '—' : p.passed ? t('assets.check.passed') : t('assets.check.failed');
  return (
    <main id="main">
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="/assets">{t('nav.assets')}</a> › <span>{t('assets.compare')}</span>
      </nav>
      <h1>{t('assets.compareTitle', { a, b })}</h1>
      <ErrorBox error={compare.error} onRetry={compare.reload} />
      {compare.loading && !c && <Loading />}
      {c && (
        <>
          <h2>{t('compare.assets')}</h2>
          {c.assets.length === 0 && <p class="muted">{t('app.empty')}</p>}
          {c.assets.length > 0 && (
            <div class="scroll-x">
              <table data-testid="compare-table">
                <thead>
                  <tr>
                    <th scope="col">{t('compare.asset')}</th>
                    <th scope="col">{t('compare.partition')}</th>
                    <th scope="col">{t('compare.status', { side: 'A' })}</th>
                    <th scope="col">{t('compare.status', { side: 'B' })}</th>
                    <th scope="col">{t('compare.version', { side: 'A' })}</th>
                    <th scope="col">{t('compare.version', { side: 'B' })}</th>
                    <th scope="col" class="num">
                      {t('compare.rows', { side: 'A' })}
                    </th>
                    <th scope="col" class="num">
                      {t('compare.rows', { side: 'B' })}
                    </th>
                    <th scope="col" class="num">
                      {t('compare.rowsDelta')}
                    </th>
                    <th scope="col">{t('compare.changed')}</th>
                  </tr>
                </thead>
                <tbody>
                  {c.assets.map((r) => (
                    <tr key={`${r.asset}@${r.partition}`} data-asset={r.asset} data-partition={r.partition}>
                      <td>{r.asset}</td>
                      <td>{r.partition || '—'}</td>
                      <td class={diff(r.changed, 'status')}>{r.a?.status ?? '—'}</td>
                      <td class={diff(r.changed, 'status')}>{r.b?.status ?? '—'}</td>
                      <td class={diff(r.changed, 'dataVersion')}>
                        <code>{r.a?.dataVersion ?? '—'}</code>
                      </td>
                      <td class={diff(r.changed, 'dataVersion')}>
                        <code>{r.b?.dataVersion ?? '—'}</code>
                      </td>
                      <td class={`num ${diff(r.changed, 'rowCount') ?? ''}`}>{rows(r.a)}</td>
                      <td class={`num ${diff(r.changed, 'rowCount') ?? ''}`}>{rows(r.b)}</td>
                      <td class="num">{f.number(r.rowCountDelta, 0)}</td>
                      <td>{r.changed.length ? r.changed.join(', ') : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {(c.onlyIn.a.length > 0 || c.onlyIn.b.length > 0) && (
            <ul class="plain" data-testid="compare-only-in">
              {c.onlyIn.a.length > 0 && <li>{t('compare.onlyIn', { side: 'A', assets: c.onlyIn.a.join(', ') })}</li>}
              {c.onlyIn.b.length > 0 && <li>{t('compare.onlyIn', { side: 'B', assets: c.onlyIn.b.join(', ') })}</li>}
            </ul>
          )}
          <h2>{t('compare.config')}</h2>
          {c.config.length === 0 && <p class="muted">{t('compare.configSame')}</p>}
          {c.config.length > 0 && (
            <div class="scroll-x">
              <table data-testid="compare-config">
                <thead>
                  <tr>
                    <th scope="col">{t('compare.key')}</th>
                    <th scope="col">A</th>
                    <th scope="col">B</th>
                  </tr>
                </thead>
                <tbody>
                  {c.config.map((k) => (
                    <tr key={k.key}>
                      <td>{k.key}</td>
                      <td>
                        <code>{cellText(k.before)}</code>
                      </td>
                      <td>
                        <code>{cellText(k.after)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {c.checks.length > 0 && (
            <>
              <h2>{t('compare.checks')}</h2>
              <div class="scroll-x">
                <table data-testid="compare-checks">
                  <thead>
                    <tr>
                      <th scope="col">{t('compare.asset')}</th>
                      <th scope="col">{t('assets.checks')}</th>
                      <th scope="col">A</th>
                      <th scope="col">B</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.checks.map((k) => (
                      <tr key={`${k.asset}@${k.partition}#${k.check}`}>
                        <td>{k.partition ? `${k.asset}@${k.partition}` : k.asset}</td>
                        <td>{k.check}</td>
                        <td>{passed(k.a)}</td>
                        <td>{passed(k.b)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
      <div class="columns">
        {[runA, runB].map((run, i) => {
          const side = i === 0 ? 'A' : 'B';
          const id = i === 0 ? a : b;
          return (
            <section key={side} class="card" aria-labelledby={`run-${side}-h`}>
              <h2 id={`run-${side}-h`}>
                {side} · <a href={`/assets/runs/${encodeURIComponent(id)}`}>{t('assets.run', { id })}</a>
              </h2>
              <ErrorBox error={run.error} />
              {run.data && (
                <ul class="plain">
                  <li>
                    <span class={`badge run-${run.data.status}`}>{run.data.status}</span> · {run.data.trigger} ·{' '}
                    {f.date(run.data.startedAt)}
                  </li>
                  {(run.data.steps ?? []).map((s) => (
                    <li key={s.asset}>
                      {s.asset}: {s.status}
                    </li>
                  ))}
                  {(run.data.checks ?? []).map((k) => (
                    <li key={`${k.asset}-${k.name}`}>
                      {k.name}: {k.passed ? t('assets.check.passed') : t('assets.check.failed')}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
    </main>
  );
}
