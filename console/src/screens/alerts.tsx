import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { ApiError, api, getAll } from '../api/client.ts';
import { useLiveEvents } from '../api/events.tsx';
import type { Alert, Severity, Silence } from '../api/types.ts';
import { SeverityBadge } from '../components/badges.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { useAsync } from '../use-async.ts';

interface Filters {
  site: string;
  device: string;
  rule: string;
  severity: '' | Severity;
  state: '' | Alert['state'];
}

export function AlertsScreen() {
  const { t } = useI18n();
  const { query } = useLocation();
  const { can } = useSession();
  const [filters, setFilters] = useState<Filters>({
    site: query.site ?? '',
    device: query.device ?? '',
    rule: query.rule ?? '',
    severity: (query.severity as Filters['severity']) ?? '',
    state: (query.state as Filters['state']) ?? 'open',
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [live, setLive] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const alerts = useAsync(() => getAll<Alert>('/v1/alerts', { ...filters }, 2000), [JSON.stringify(filters)]);
  useLiveEvents('alert.', (e) => {
    if (e.type === 'alert.opened') setLive((s) => new Set(s).add(e.id));
    alerts.reload();
  });
  const mayAct = can('alerts.act');

  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
      alerts.reload();
    } catch (e) {
      setActionError(e as ApiError);
    }
  };
  const bulkAck = () =>
    act(async () => {
      await api.post('/v1/alerts/ack', { ids: [...selected] });
      setSelected(new Set());
    });
  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const items = alerts.data ?? [];
  const allSelected = items.length > 0 && items.every((a) => selected.has(a.id));

  return (
    <main id="main">
      <h1>{t('alerts.title')}</h1>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()} aria-label={t('alerts.title')}>
        <label>
          {t('alerts.site')}
          <input value={filters.site} onChange={(e) => set('site', e.currentTarget.value.trim())} />
        </label>
        <label>
          {t('alerts.device')}
          <input value={filters.device} onChange={(e) => set('device', e.currentTarget.value.trim())} />
        </label>
        <label>
          {t('alerts.rule')}
          <input value={filters.rule} onChange={(e) => set('rule', e.currentTarget.value.trim())} />
        </label>
        <label>
          {t('alerts.severity')}
          <select
            value={filters.severity}
            onChange={(e) => set('severity', e.currentTarget.value as Filters['severity'])}
          >
            <option value="">{t('alerts.any')}</option>
            {(['critical', 'warning', 'info'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alerts.state')}
          <select value={filters.state} onChange={(e) => set('state', e.currentTarget.value as Filters['state'])}>
            <option value="">{t('alerts.any')}</option>
            {(['open', 'acknowledged', 'resolved'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`alerts.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {live.size > 0 && (
        <p class="notice" role="status" data-testid="live-count">
          {t('alerts.newLive', { count: live.size })}
        </p>
      )}
      <ErrorBox error={actionError} />
      <ErrorBox error={alerts.error} onRetry={alerts.reload} />
      {mayAct && (
        <div class="toolbar">
          <button type="button" disabled={selected.size === 0} onClick={bulkAck}>
            {t('alerts.bulkAck', { count: selected.size })}
          </button>
        </div>
      )}
      {alerts.loading && !alerts.data && <Loading />}
      {alerts.data && items.length === 0 && <p class="muted">{t('app.empty')}</p>}
      {items.length > 0 && (
        <div class="scroll-x">
          <table class="alerts" data-testid="alerts-table">
            <thead>
              <tr>
                {mayAct && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label={t('alerts.selectAll')}
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((a) => a.id)))}
                    />
                  </th>
                )}
                <th scope="col">{t('alerts.severity')}</th>
                <th scope="col">{t('alerts.site')}</th>
                <th scope="col">{t('alerts.rule')}</th>
                <th scope="col">{t('alerts.state')}</th>
                <th scope="col">{t('alerts.since')}</th>
                <th scope="col">{t('alerts.message')}</th>
                {mayAct && <th scope="col">{t('alerts.ack')}</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <AlertRow
                  key={a.id}
                  alert={a}
                  mayAct={mayAct}
                  isNew={live.has(a.id)}
                  selected={selected.has(a.id)}
                  onSelect={(on) =>
                    setSelected((s) => {
                      const n = new Set(s);
                      if (on) n.add(a.id);
                      else n.delete(a.id);
                      return n;
                    })
                  }
                  act={act}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Silences />
    </main>
  );
}

function AlertRow(props: {
  alert: Alert;
  mayAct: boolean;
  isNew: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  act: (fn: () => Promise<unknown>) => Promise<void>;
}) {
  const { alert: a, mayAct, act } = props;
  const { t, f } = useI18n();
  const [comment, setComment] = useState('');
  const path = `/v1/alerts/${encodeURIComponent(a.id)}`;
  return (
    <tr class={props.isNew ? 'new' : ''} data-alert-id={a.id} data-state={a.state}>
      {mayAct && (
        <td>
          <input
            type="checkbox"
            aria-label={t('alerts.select', { id: a.id })}
            checked={props.selected}
            onChange={(e) => props.onSelect(e.currentTarget.checked)}
          />
        </td>
      )}
      <td>
        <SeverityBadge severity={a.severity} />
      </td>
      <td>
        <a href={`/sites/${encodeURIComponent(a.site)}`}>{a.site}</a>
        {a.device && (
          <>
            {' / '}
            <a href={`/sites/${encodeURIComponent(a.site)}/devices/${encodeURIComponent(a.device)}`}>{a.device}</a>
          </>
        )}
      </td>
      <td>{a.rule}</td>
      <td>
        {t(`alerts.state.${a.state}`)}
        {a.acknowledgedBy && <span class="muted"> · {a.acknowledgedBy}</span>}
      </td>
      <td>
        <time dateTime={a.since}>{f.date(a.since)}</time>
      </td>
      <td>
        {a.message}
        {a.value !== null && (
          <span class="muted">
            {' '}
            ({f.number(a.value, 2)}
            {a.threshold !== null ? ` / ${f.number(a.threshold, 2)}` : ''})
          </span>
        )}
        {a.comments.length > 0 && (
          <details>
            <summary>
              {t('alerts.comments')} ({a.comments.length})
            </summary>
            <ul class="plain">
              {a.comments.map((c) => (
                <li key={`${c.at}-${c.by}`}>
                  <strong>{c.by}</strong> <span class="muted">{f.date(c.at)}</span>: {c.text}
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      {mayAct && (
        <td class="actions">
          {a.state === 'open' && (
            <button type="button" onClick={() => act(() => api.post(`${path}/ack`))}>
              {t('alerts.ack')}
            </button>
          )}
          {a.state !== 'resolved' && (
            <button type="button" onClick={() => act(() => api.post(`${path}/resolve`))}>
              {t('alerts.resolve')}
            </button>
          )}
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              if (!comment.trim()) return;
              void act(async () => {
                await api.post(`${path}/comments`, { text: comment.trim() });
                setComment('');
              });
            }}
          >
            <input
              aria-label={t('alerts.commentText')}
              value={comment}
              onInput={(e) => setComment(e.currentTarget.value)}
            />
            <button type="submit">{t('alerts.comment')}</button>
          </form>
        </td>
      )}
    </tr>
  );
}

function Silences() {
  const { t, f } = useI18n();
  const { can } = useSession();
  const silences = useAsync(() => getAll<Silence>('/v1/silences', {}, 1000), []);
  const [form, setForm] = useState({ site: '', device: '', rule: '', until: '', reason: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const mayManage = can('silences.manage');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post('/v1/silences', {
        site: form.site.trim(),
        device: form.device.trim() || undefined,
        rule: form.rule.trim() || undefined,
        until: new Date(form.until).toISOString(),
        reason: form.reason.trim(),
      });
      setForm({ site: '', device: '', rule: '', until: '', reason: '' });
      silences.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CONSOLE_ERROR', String(err)));
    }
  };
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.del(`/v1/silences/${encodeURIComponent(id)}`);
      silences.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const field = (k: keyof typeof form, label: string, required = false) => (
    <label>
      {label}
      <input required={required} value={form[k]} onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })} />
    </label>
  );
  return (
    <section aria-labelledby="silences-h">
      <h2 id="silences-h">{t('alerts.silences')}</h2>
      <ErrorBox error={silences.error} onRetry={silences.reload} />
      <ErrorBox error={error} />
      {silences.data && silences.data.length === 0 && <p class="muted">{t('alerts.silence.none')}</p>}
      <ul class="plain">
        {silences.data?.map((s) => (
          <li key={s.id}>
            <strong>{s.site}</strong>
            {s.device ? ` / ${s.device}` : ''}
            {s.rule ? ` · ${s.rule}` : ''} — {s.reason}{' '}
            <span class="muted">{t('alerts.silence.expires', { when: f.date(s.until) })}</span>{' '}
            {mayManage && (
              <button type="button" onClick={() => remove(s.id)}>
                {t('alerts.silence.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {mayManage && (
        <form class="toolbar" onSubmit={submit} aria-label={t('alerts.silence.new')}>
          {field('site', t('alerts.site'), true)}
          {field('device', t('alerts.device'))}
          {field('rule', t('alerts.rule'))}
          <label>
            {t('alerts.silence.until')}
            <input
              type="datetime-local"
              required
              value={form.until}
              onInput={(e) => setForm({ ...form, until: e.currentTarget.value })}
            />
          </label>
          {field('reason', t('alerts.silence.reason'), true)}
          <button type="submit">{t('alerts.silence.new')}</button>
        </form>
      )}
    </section>
  );
}
