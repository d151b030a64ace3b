import { useEffect, useMemo, useState } from 'preact/hooks';
import { getAll } from '../api/client.ts';
import { useLiveEvents } from '../api/events.tsx';
import type { FleetRow } from '../api/types.ts';
import { AlertCountBadges } from '../components/badges.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { type Column, VirtualTable } from '../components/virtual-table.tsx';
import { type FleetStatus, filterFleet } from '../fleet-filter.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../use-async.ts';

const REFRESH_MS = 30_000;

export function FleetScreen() {
  const { t, f } = useI18n();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<FleetStatus>('all');
  const fleet = useAsync(() => getAll<FleetRow>('/v1/fleet', {}, 100_000), []);
  useEffect(() => {
    const id = setInterval(fleet.reload, REFRESH_MS);
    return () => clearInterval(id);
  }, [fleet.reload]);
  useLiveEvents('alert.', () => fleet.reload());

  const now = useMemo(() => Date.now(), [fleet.data]);
  const rows = useMemo(() => filterFleet(fleet.data ?? [], q, status, now), [fleet.data, q, status, now]);

  const columns = useMemo<Column<FleetRow>[]>(
    () => [
      {
        key: 'site',
        header: t('fleet.site'),
        width: 'minmax(9rem, 2fr)',
        cell: (r) => (
          <a href={`/sites/${encodeURIComponent(r.site)}`} title={r.site}>
            {r.name || r.site}
          </a>
        ),
      },
      {
        key: 'power',
        header: t('fleet.power'),
        width: 'minmax(6rem, 1fr)',
        align: 'right',
        cell: (r) => f.power(r.powerW),
      },
      {
        key: 'energy',
        header: t('fleet.energyToday'),
        width: 'minmax(6rem, 1fr)',
        align: 'right',
        cell: (r) => f.energy(r.energyTodayKwh),
      },
      {
        key: 'availability',
        header: t('fleet.availability'),
        width: 'minmax(6rem, 1fr)',
        align: 'right',
        cell: (r) => f.percent(r.availability),
      },
      {
        key: 'alerts',
        header: t('fleet.alerts'),
        width: 'minmax(9rem, 1.5fr)',
        cell: (r) => <AlertCountBadges counts={r.openAlerts} />,
      },
      {
        key: 'last',
        header: t('fleet.lastData'),
        width: 'minmax(7rem, 1fr)',
        cell: (r) => <time dateTime={r.lastData ?? undefined}>{f.ago(r.lastData, now)}</time>,
      },
    ],
    [t, f, now],
  );

  return (
    <main id="main">
      <h1>{t('fleet.title')}</h1>
      <div class="toolbar">
        <label>
          {t('fleet.search')}
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <label>
          {t('fleet.status')}
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as FleetStatus)}>
            {(['all', 'alerting', 'stale', 'ok'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`fleet.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" aria-live="polite" data-testid="fleet-count">
          {t('fleet.count', { count: rows.length })}
        </span>
      </div>
      <ErrorBox error={fleet.error} onRetry={fleet.reload} />
      {fleet.loading && !fleet.data ? (
        <Loading />
      ) : (
        <VirtualTable label={t('fleet.title')} rows={rows} columns={columns} rowKey={(r) => r.site} />
      )}
    </main>
  );
}
