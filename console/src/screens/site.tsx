import { useMemo, useState } from 'preact/hooks';
import { type ApiError, api, getAll, saveBlob } from '../api/client.ts';
import { useLiveEvents } from '../api/events.tsx';
import type { Alert, Device, Proposal, Series, Site } from '../api/types.ts';
import { DeviceStatusBadge, SeverityBadge } from '../components/badges.tsx';
import { Chart, type ChartSeries } from '../components/chart.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { defaultRange, RangePicker, type RangeValue } from '../components/range-picker.tsx';
import { rangeOf, toColumns } from '../chart-data.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { proposalFigures } from '../proposal-figures.ts';
import { useAsync } from '../use-async.ts';

export function SiteScreen({ id }: { id: string }) {
  const { t, f } = useI18n();
  const [range, setRange] = useState<RangeValue>(defaultRange);
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const site = useAsync(() => api.get<Site>(`/v1/sites/${encodeURIComponent(id)}`), [id]);
  const devices = useAsync(() => getAll<Device>('/v1/devices', { site: id }), [id]);
  const alerts = useAsync(() => getAll<Alert>('/v1/alerts', { site: id, state: 'open' }, 500), [id]);
  useLiveEvents('alert.', (e) => e.site === id && alerts.reload());
  const period = useMemo(
    () => rangeOf(range.key, Date.now(), { from: range.from, to: range.to }),
    [range.key, range.from, range.to],
  );
  const series = useAsync(
    () => api.get<Series>('/v1/series', { site: id, from: period.from, to: period.to }),
    [id, period.from, period.to],
  );
  const proposals = useAsync(
    () =>
      getAll<Proposal>('/v1/proposals', { site: id }, 500).then((ps) => ps.filter((p) => (p.siteId ?? p.site) === id)),
    [id],
  );

  const power = useMemo(() => toColumns(series.data?.points ?? [], ['acPowerW', 'dcPowerW'], 1 / 1000), [series.data]);
  const energy = useMemo(() => toColumns(series.data?.points ?? [], ['energyKwh']), [series.data]);
  const powerSeries = useMemo<ChartSeries[]>(
    () => [
      { label: 'AC kW', color: '#1f6feb' },
      { label: 'DC kW', color: '#b35900' },
    ],
    [],
  );
  const energySeries = useMemo<ChartSeries[]>(() => [{ label: 'kWh', color: '#2e7d32', bars: true }], []);
  const measuredKwh = useMemo(
    () => (series.data?.points ?? []).reduce((s, p) => s + (p.values.energyKwh ?? 0), 0),
    [series.data],
  );

  const exportCsv = async () => {
    setExportError(null);
    try {
      const blob = await api.blob('/v1/export.csv', { site: id, from: period.from, to: period.to });
      saveBlob(blob, `${id}_${period.from.slice(0, 10)}_${period.to.slice(0, 10)}.csv`);
    } catch (e) {
      setExportError(e as ApiError);
    }
  };

  const name = site.data?.name ?? id;
  return (
    <main id="main">
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="/">{t('nav.fleet')}</a> › <span>{name}</span>
      </nav>
      <h1>{t('site.title', { name })}</h1>
      <ErrorBox error={site.error} onRetry={site.reload} />
      {site.data && (
        <p class="muted">
          {t('site.location', {
            lat: f.number(site.data.latitude, 4),
            lon: f.number(site.data.longitude, 4),
            tz: site.data.timezone,
          })}
        </p>
      )}
      <div class="toolbar">
        <RangePicker value={range} onChange={setRange} />
        <button type="button" onClick={exportCsv}>
          {t('site.export')}
        </button>
      </div>
      <ErrorBox error={exportError} />
      <ErrorBox error={series.error} onRetry={series.reload} />
      {series.loading && !series.data && <Loading />}
      {series.data && series.data.points.length === 0 && <p class="muted">{t('chart.noData')}</p>}
      {series.data && series.data.points.length > 0 && (
        <div class="charts" data-testid="site-charts" data-points={series.data.points.length}>
          <Chart title={t('site.power')} data={power} series={powerSeries} syncKey={`site-${id}`} />
          <Chart title={t('site.energy')} data={energy} series={energySeries} syncKey={`site-${id}`} />
          <p class="muted">{t('chart.step', { step: f.duration(series.data.step) })}</p>
        </div>
      )}

      <section aria-labelledby="devices-h">
        <h2 id="devices-h">{t('site.devices')}</h2>
        <ErrorBox error={devices.error} onRetry={devices.reload} />
        {devices.data && (
          <div class="scroll-x">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('device.id')}</th>
                  <th scope="col">{t('device.model')}</th>
                  <th scope="col">{t('device.status')}</th>
                  <th scope="col" class="num">
                    {t('device.nameplate')}
                  </th>
                  <th scope="col">{t('device.lastSeen')}</th>
                </tr>
              </thead>
              <tbody>
                {devices.data.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <a href={`/sites/${encodeURIComponent(id)}/devices/${encodeURIComponent(d.id)}`}>{d.id}</a>
                    </td>
                    <td>{d.sunspec ? `${d.sunspec.manufacturer} ${d.sunspec.model}` : d.model}</td>
                    <td>
                      <DeviceStatusBadge status={d.status} />
                    </td>
                    <td class="num">{f.power(d.nameplateW)}</td>
                    <td>{f.ago(d.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="alerts-h">
        <h2 id="alerts-h">{t('site.openAlerts')}</h2>
        <ErrorBox error={alerts.error} onRetry={alerts.reload} />
        {alerts.data && alerts.data.length === 0 && <p class="muted">{t('app.empty')}</p>}
        <ul class="plain">
          {alerts.data?.map((a) => (
            <li key={a.id}>
              <SeverityBadge severity={a.severity} /> <strong>{a.rule}</strong> {a.device ?? ''} — {a.message}{' '}
              <span class="muted">{f.ago(a.since)}</span>
            </li>
          ))}
        </ul>
        <a href={`/alerts?site=${encodeURIComponent(id)}`}>{t('nav.alerts')} →</a>
      </section>

      <section aria-labelledby="proposal-h">
        <h2 id="proposal-h">{t('site.proposal')}</h2>
        <ErrorBox error={proposals.error} />
        {proposals.data && proposals.data.length === 0 && <p class="muted">{t('site.proposal.none')}</p>}
        {proposals.data?.slice(0, 1).map((p) => {
          const fig = proposalFigures(p);
          const expected =
            fig.annualKwh === null
              ? null
              : (fig.annualKwh * (Date.parse(period.to) - Date.parse(period.from))) / (365 * 86_400_000);
          return (
            <div key={p.id}>
              <a href={`/proposals/${encodeURIComponent(p.id)}`}>{p.id}</a>
              <p>{t('site.proposal.expected', { kwh: f.number(expected, 0) })}</p>
              <p>{t('site.proposal.actual', { kwh: f.number(measuredKwh, 0) })}</p>
            </div>
          );
        })}
        {proposals.loading && !proposals.data && <Loading />}
      </section>
      {devices.loading && !devices.data && <Loading />}
    </main>
  );
}
