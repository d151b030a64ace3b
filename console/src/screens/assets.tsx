import { useLocation } from 'preact-iso';
import { useMemo, useState } from 'preact/hooks';
import { type ApiError, api, getAll } from '../api/client.ts';
import { useLiveEvents } from '../api/events.tsx';
import type { Asset, Lineage, Run } from '../api/types.ts';
import { AssetStatusBadge } from '../components/badges.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { DEFAULT_LAYOUT, edgesOnNodes, layeredLayout } from '../lineage/layout.ts';
import { useSession } from '../session.tsx';
import { useAsync } from '../use-async.ts';

export function AssetsScreen() {
  const { t } = useI18n();
  const { query, route } = useLocation();
  const lineage = useAsync(() => api.get<Lineage>('/v1/jobs/lineage'), []);
  const assets = useAsync(() => getAll<Asset>('/v1/jobs/assets', {}, 2000), []);
  useLiveEvents('run.', () => {
    lineage.reload();
    assets.reload();
  });
  const selectedKey = query.asset ?? null;
  const layout = useMemo(
    () =>
      lineage.data
        ? layeredLayout({ nodes: lineage.data.nodes, edges: edgesOnNodes(lineage.data.nodes, lineage.data.edges) })
        : null,
    [lineage.data],
  );
  const byKey = useMemo(() => new Map((assets.data ?? []).map((a) => [a.key, a])), [assets.data]);
  const select = (key: string) => route(`/assets?asset=${encodeURIComponent(key)}`);

  return (
    <main id="main">
      <h1>{t('assets.title')}</h1>
      <ErrorBox error={lineage.error} onRetry={lineage.reload} />
      {lineage.loading && !lineage.data && <Loading />}
      {layout && lineage.data && (
        <section aria-labelledby="lineage-h">
          <h2 id="lineage-h">{t('assets.graph')}</h2>
          <div class="graph-scroll">
            <div
              class="graph"
              style={{ width: `${layout.width}px`, height: `${layout.height}px` }}
              data-testid="lineage"
            >
              <svg width={layout.width} height={layout.height} aria-hidden="true" class="edges">
                <defs>
                  <marker
                    id="arrow"
                    viewBox="0 0 10 10"
                    refX="10"
                    refY="5"
                    markerWidth="6"
                    markerHeight="6"
                    orient="auto"
                  >
                    <path d="M0,0 L10,5 L0,10 z" fill="#667" />
                  </marker>
                </defs>
                {layout.edges.map((e) => (
                  <path
                    key={`${e.from}>${e.to}`}
                    d={e.path}
                    class={selectedKey === e.from || selectedKey === e.to ? 'edge hot' : 'edge'}
                    marker-end="url(#arrow)"
                  />
                ))}
              </svg>
              {lineage.data.nodes.map((n) => {
                const p = layout.nodes.get(n.key);
                if (!p) return null;
                return (
                  <button
                    type="button"
                    key={n.key}
                    class={`node asset-${n.status}${selectedKey === n.key ? ' selected' : ''}`}
                    style={{
                      left: `${p.x}px`,
                      top: `${p.y}px`,
                      width: `${DEFAULT_LAYOUT.nodeWidth}px`,
                      height: `${DEFAULT_LAYOUT.nodeHeight}px`,
                    }}
                    title={`${n.key} · ${t(`assets.status.${n.status}`)}${n.reason ? ` — ${n.reason}` : ''}`}
                    aria-pressed={selectedKey === n.key}
                    data-asset={n.key}
                    data-status={n.status}
                    onClick={() => select(n.key)}
                  >
                    <span class="node-key">{n.key}</span>
                    <span class="node-meta">
                      {n.layer} · {t(`assets.status.${n.status}`)}
                    </span>
                  </button>
                );
              })}
            </div>
          </div>
          <Legend />
        </section>
      )}
      {selectedKey && (
        <AssetPanel
          key={selectedKey}
          assetKey={selectedKey}
          asset={byKey.get(selectedKey) ?? null}
          onChange={() => {
            lineage.reload();
            assets.reload();
          }}
        />
      )}
      <RunsList asset={selectedKey} />
    </main>
  );
}

function Legend() {
  const { t } = useI18n();
  return (
    <ul class="legend plain">
      {(['fresh', 'stale', 'failing', 'missing'] as const).map((s) => (
        <li key={s}>
          <span class={`swatch asset-${s}`} aria-hidden="true" /> {t(`assets.status.${s}`)}
        </li>
      ))}
    </ul>
  );
}

function AssetPanel({ assetKey, asset, onChange }: { assetKey: string; asset: Asset | null; onChange: () => void }) {
  const { t, f } = useI18n();
  const { can } = useSession();
  const { route } = useLocation();
  const [downstream, setDownstream] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const materialize = async () => {
    setBusy(true);
    setError(null);
    try {
      const { runId } = await api.post<{ runId: string }>('/v1/jobs/materialize', { assets: [assetKey], downstream });
      onChange();
      route(`/assets/runs/${encodeURIComponent(runId)}`);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="asset-h" data-testid="asset-panel">
      <h2 id="asset-h">{assetKey}</h2>
      {asset && (
        <dl class="facts">
          <dt>{t('assets.layer')}</dt>
          <dd>{asset.layer}</dd>
          <dt>{t('assets.status')}</dt>
          <dd>
            <AssetStatusBadge status={asset.status} />
          </dd>
          <dt>{t('assets.reason')}</dt>
          <dd data-testid="asset-reason">{asset.reason ?? '—'}</dd>
          <dt>{t('assets.lastMaterialized')}</dt>
          <dd>{f.date(asset.lastMaterializedAt)}</dd>
          <dt>deps</dt>
          <dd>{asset.deps.length ? asset.deps.join(', ') : '—'}</dd>
        </dl>
      )}
      <ErrorBox error={error} />
      {can('jobs.materialize') && (
        <div class="toolbar">
          <label class="chip">
            <input type="checkbox" checked={downstream} onChange={(e) => setDownstream(e.currentTarget.checked)} />
            {t('assets.downstream')}
          </label>
          <button type="button" class="primary" disabled={busy} onClick={materialize}>
            {t('assets.materializeSelected', { key: assetKey })}
          </button>
        </div>
      )}
    </section>
  );
}

function RunsList({ asset }: { asset: string | null }) {
  const { t, f } = useI18n();
  const runs = useAsync(
    () => api.get<{ items: Run[] }>('/v1/jobs/runs', { asset: asset ?? undefined, limit: 50 }),
    [asset],
  );
  useLiveEvents('run.', () => runs.reload());
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  const [a, b] = picked;
  return (
    <section aria-labelledby="runs-h">
      <h2 id="runs-h">{t('assets.runs')}</h2>
      <ErrorBox error={runs.error} onRetry={runs.reload} />
      <div class="toolbar">
        {a && b ? (
          <a class="button" href={`/assets/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`}>
            {t('assets.compare')}
          </a>
        ) : (
          <span class="muted">{t('assets.pickTwo')}</span>
        )}
      </div>
      {runs.loading && !runs.data && <Loading />}
      {runs.data && runs.data.items.length === 0 && <p class="muted">{t('app.empty')}</p>}
      {runs.data && runs.data.items.length > 0 && (
        <div class="scroll-x">
          <table data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">
                  <span class="sr-only">{t('assets.compare')}</span>
                </th>
                <th scope="col">id</th>
                <th scope="col">{t('assets.status')}</th>
                <th scope="col">{t('assets.trigger')}</th>
                <th scope="col">{t('nav.assets')}</th>
                <th scope="col">{t('assets.started.at')}</th>
                <th scope="col">{t('assets.finished.at')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.id} data-run-id={r.id} data-status={r.status}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('assets.pickRun', { id: r.id })}
                      checked={picked.includes(r.id)}
                      onChange={() => toggle(r.id)}
                    />
                  </td>
                  <td>
                    <a href={`/assets/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
                  </td>
                  <td>
                    <span class={`badge run-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.trigger}</td>
                  <td>{r.assets.join(', ')}</td>
                  <td>{f.date(r.startedAt)}</td>
                  <td>{f.date(r.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
