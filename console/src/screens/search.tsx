import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { SearchHit } from '../api/types.ts';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { sourceHref } from '../source-href.ts';
import { useAsync } from '../use-async.ts';

export function SearchScreen() {
  const { t, f } = useI18n();
  const { query, route } = useLocation();
  const [draft, setDraft] = useState({
    q: query.q ?? '',
    namespace: query.namespace ?? '',
    brand: query.brand ?? '',
    kind: query.kind ?? '',
  });
  const q = query.q ?? '';
  const result = useAsync(
    () =>
      q
        ? api.get<{ items: SearchHit[] }>('/v1/search', {
            q,
            namespace: query.namespace,
            brand: query.brand,
            kind: query.kind,
          })
        : Promise.resolve({ items: [] as SearchHit[] }),
    [q, query.namespace, query.brand, query.kind],
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(draft)) if (v.trim()) params.set(k, v.trim());
    route(`/search?${params}`);
  };
  return (
    <main id="main">
      <h1>{t('search.title')}</h1>
      <form class="toolbar" onSubmit={submit} aria-label={t('search.title')}>
        <label class="grow">
          {t('search.query')}
          <input type="search" value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
        </label>
        <label>
          {t('search.namespace')}
          <select value={draft.namespace} onChange={(e) => setDraft({ ...draft, namespace: e.currentTarget.value })}>
            <option value="">{t('search.namespace.all')}</option>
            <option value="catalog">{t('search.namespace.catalog')}</option>
            <option value="docs">{t('search.namespace.docs')}</option>
          </select>
        </label>
        <label>
          {t('search.brand')}
          <input value={draft.brand} onInput={(e) => setDraft({ ...draft, brand: e.currentTarget.value })} />
        </label>
        <label>
          {t('search.kind')}
          <input value={draft.kind} onInput={(e) => setDraft({ ...draft, kind: e.currentTarget.value })} />
        </label>
        <button type="submit" class="primary">
          {t('search.submit')}
        </button>
      </form>
      <ErrorBox error={result.error} onRetry={result.reload} />
      {result.loading && q && <Loading />}
      {q && result.data && (
        <p class="muted" aria-live="polite">
          {t('search.results', { count: result.data.items.length })}
        </p>
      )}
      <ol class="hits plain">
        {result.data?.items.map((h) => {
          const href = sourceHref(h.source);
          return (
            <li key={`${h.source}#${h.section}`} class="card">
              <h2 class="hit-title">{href ? <a href={href}>{h.title}</a> : h.title}</h2>
              <p class="muted">
                {h.source}
                {h.section ? ` · ${h.section}` : ''} · {t('search.score', { score: f.number(h.score, 3) })}
              </p>
              <p>{h.text}</p>
            </li>
          );
        })}
      </ol>
    </main>
  );
}
