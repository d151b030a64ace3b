import { useMemo, useState } from 'preact/hooks';
import { api, getAll } from '../api/client.ts';
import type { Alert, Device, Series } from '../api/types.ts';
import { DeviceStatusBadge, SeverityBadge } from '../components/badges.tsx';
import { Chart, type ChartSeries } from '../components/chart.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { defaultRange, RangePicker, type RangeValue } from '../components/range-picker.tsx';
import { mpptFields, rangeOf, toColumns } from '../chart-data.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../use-async.ts';

const MPPT_COLORS = ['#1f6feb', '#b35900', '#2e7d32', '#8e24aa', '#c62828', '#00838f'];

export function InverterScreen({ site, id }: { site: string; id: string }) {
  const { t, f } = useI18n();
  const [range, setRange] = useState<RangeValue>(defaultRange);
  const device = useAsync(() => api.get<Device>(`/v1/devices/${encodeURIComponent(id)}`), [id]);
  const period = useMemo(
    () => rangeOf(range.key, Date.now(), { from: range.from, to: range.to }),
    [range.key, range.from, range.to],
  );
  const series = useAsync(
    () => api.get<Series>('/v1/series', { site, device: id, from: period.from, to: period.to }),
    [site, id, period.from, period.to],
  );
  const alerts = useAsync(
    () => getAll<Alert>('/v1/alerts', { site, device: id, from: period.from, to: period.to }, 1000),
    [site, id, period.from, period.to],
  );
  const points = series.data?.points ?? [];
  const power = useMemo(() => toColumns(points, ['acPowerW', 'dcPowerW'], 1 / 1000), [points]);
  const mppt = useMemo(() => mpptFields(points), [points]);
  const mpptData = useMemo(() => toColumns(points, mppt, 1 / 1000), [points, mppt]);
  const temp = useMemo(() => toColumns(points, ['temperatureC']), [points]);
  const avail = useMemo(() => toColumns(points, ['availability'], 100), [points]);
  const powerSeries = useMemo<ChartSeries[]>(
    () => [
      { label: 'AC kW', color: '#1f6feb' },
      { label: 'DC kW', color: '#b35900' },
    ],
    [],
  );
  const mpptSeries = useMemo<ChartSeries[]>(
    () => mppt.map((k, i) => ({ label: `MPPT ${k.match(/\d+/)?.[0]} kW`, color: MPPT_COLORS[i % 6] as string })),
    [mppt],
  );
  const tempSeries = useMemo<ChartSeries[]>(() => [{ label: '°C', color: '#c62828' }], []);
  const availSeries = useMemo<ChartSeries[]>(() => [{ label: '%', color: '#2e7d32' }], []);
  const sync = `inv-${id}`;
  const hasAvail = avail.slice(1).some((col) => col.some((v) => v !== null));

  return (
    <main id="main">
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="/">{t('nav.fleet')}</a> › <a href={`/sites/${encodeURIComponent(site)}`}>{site}</a> › <span>{id}</span>
      </nav>
      <h1>{t('inverter.title', { id })}</h1>
      <ErrorBox error={device.error} onRetry={device.reload} />
      {device.data && (
        <section aria-labelledby="identity-h" class="card">
          <h2 id="identity-h">{t('inverter.identity')}</h2>
          <dl class="facts">
            <dt>{t('device.status')}</dt>
            <dd>
              <DeviceStatusBadge status={device.data.status} /> {f.ago(device.data.lastSeen)}
            </dd>
            <dt>{t('device.nameplate')}</dt>
            <dd>{f.power(device.data.nameplateW)}</dd>
            {device.data.sunspec ? (
              <>
                <dt>{t('inverter.manufacturer')}</dt>
                <dd>{device.data.sunspec.manufacturer ?? '—'}</dd>
                <dt>{t('device.model')}</dt>
                <dd>{device.data.sunspec.model ?? '—'}</dd>
                <dt>{t('device.serial')}</dt>
                <dd>{device.data.sunspec.serial ?? '—'}</dd>
                <dt>{t('inverter.version')}</dt>
                <dd>{device.data.sunspec.version ?? '—'}</dd>
              </>
            ) : (
              <>
                <dt>{t('device.model')}</dt>
                <dd>{device.data.model}</dd>
                <dt>{t('device.serial')}</dt>
                <dd>{device.data.serial}</dd>
              </>
            )}
          </dl>
          {!device.data.sunspec && <p class="muted">{t('inverter.noSunspec')}</p>}
        </section>
      )}
      <RangePicker value={range} onChange={setRange} />
      <ErrorBox error={series.error} onRetry={series.reload} />
      {series.loading && !series.data && <Loading />}
      {series.data && points.length === 0 && <p class="muted">{t('chart.noData')}</p>}
      {points.length > 0 && (
        <div class="charts" data-testid="inverter-charts" data-points={points.length}>
          <Chart title={t('inverter.power')} data={power} series={powerSeries} syncKey={sync} />
          {mppt.length > 0 && <Chart title={t('inverter.mppt')} data={mpptData} series={mpptSeries} syncKey={sync} />}
          <Chart title={t('inverter.temperature')} data={temp} series={tempSeries} syncKey={sync} height={160} />
          {hasAvail && (
            <Chart title={t('inverter.availability')} data={avail} series={availSeries} syncKey={sync} height={120} />
          )}
        </div>
      )}
      <section aria-labelledby="hist-h">
        <h2 id="hist-h">{t('inverter.alerts')}</h2>
        <ErrorBox error={alerts.error} onRetry={alerts.reload} />
        {alerts.data && alerts.data.length === 0 && <p class="muted">{t('app.empty')}</p>}
        {alerts.data && alerts.data.length > 0 && (
          <AlertTimeline alerts={alerts.data} from={period.from} to={period.to} />
        )}
      </section>
    </main>
  );
}

/** Alerts as bars on the same period as the charts above, oldest left. */
function AlertTimeline({ alerts, from, to }: { alerts: Alert[]; from: string; to: string }) {
  const { t, f } = useI18n();
  const t0 = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - t0);
  const pos = (iso: string | null) =>
    Math.min(100, Math.max(0, ((iso ? Date.parse(iso) : Date.parse(to)) - t0) / span) * 100);
  return (
    <ol class="timeline plain">
      {alerts.map((a) => {
        const left = pos(a.openedAt ?? a.since);
        const right = pos(a.resolvedAt);
        return (
          <li key={a.id}>
            <span class="tl-label">
              <SeverityBadge severity={a.severity} /> {a.rule} · {t(`alerts.state.${a.state}`)} · {f.date(a.openedAt)}
            </span>
            <span class="tl-track" aria-hidden="true">
              <span
                class={`tl-bar sev-${a.severity}`}
                style={{ left: `${left}%`, width: `${Math.max(0.5, right - left)}%` }}
              />
            </span>
          </li>
        );
      })}
    </ol>
  );
}
