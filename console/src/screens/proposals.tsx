import type { JSX } from 'preact';
import { useLocation } from 'preact-iso';
import { useMemo, useState } from 'preact/hooks';
import { ApiError, api, getAll, saveBlob } from '../api/client.ts';
import type { Proposal } from '../api/types.ts';
import { Chart, type ChartSeries } from '../components/chart.tsx';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { proposalCustomer, proposalFigures } from '../proposal-figures.ts';
import { useSession } from '../session.tsx';
import {
  EMPTY_QUOTE_FORM,
  type QuoteField,
  type QuoteFieldErrors,
  type QuoteForm,
  quoteFieldErrors,
  quoteFromForm,
} from '../quote-form.ts';
import { useAsync } from '../use-async.ts';

const MONTHS = ['J', 'F', 'M', 'A', 'M', 'J', 'J', 'A', 'S', 'O', 'N', 'D'];

export function ProposalsScreen() {
  const { t, f } = useI18n();
  const { can } = useSession();
  const { route } = useLocation();
  const list = useAsync(() => getAll<Proposal>('/v1/proposals', {}, 500), []);
  const [form, setForm] = useState<QuoteForm>(EMPTY_QUOTE_FORM);
  const [json, setJson] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [invalid, setInvalid] = useState<QuoteFieldErrors | null>(null);
  const [busy, setBusy] = useState(false);
  const text = json ?? JSON.stringify(quoteFromForm(form), null, 2);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setInvalid(null);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      setError(new ApiError(0, 'CONSOLE_BAD_JSON', (err as Error).message));
      return;
    }
    setBusy(true);
    try {
      const p = await api.post<Proposal>('/v1/proposals', body);
      list.reload();
      route(`/proposals/${encodeURIComponent(p.id)}`);
    } catch (err) {
      const apiError = err as ApiError;
      const fields = apiError.status === 400 ? quoteFieldErrors(apiError.message) : null;
      if (fields && Object.keys(fields.fields).length + fields.other.length > 0) setInvalid(fields);
      else setError(apiError);
    } finally {
      setBusy(false);
    }
  };
  const set = (k: QuoteField, value: string) => {
    setForm({ ...form, [k]: value });
    setJson(null);
  };
  /** One input with its label and, after a refused quote, the API's words about it. */
  const field = (k: QuoteField, label: string, control: (aria: Record<string, string | undefined>) => JSX.Element) => {
    const problem = invalid?.fields[k];
    return (
      <div class="field" key={k}>
        <label for={`quote-${k}`}>{label}</label>
        {control({
          id: `quote-${k}`,
          name: k,
          'aria-invalid': problem ? 'true' : undefined,
          'aria-describedby': problem ? `quote-${k}-error` : undefined,
        })}
        {problem && (
          <p id={`quote-${k}-error`} class="field-error" data-field-error={k}>
            {problem}
          </p>
        )}
      </div>
    );
  };
  const input = (k: QuoteField, label: string, extra: Record<string, unknown> = {}) =>
    field(k, label, (aria) => (
      <input {...aria} value={form[k]} onInput={(e) => set(k, e.currentTarget.value)} {...extra} />
    ));
  const select = (k: QuoteField, label: string, options: Array<[string, string]>) =>
    field(k, label, (aria) => (
      <select {...aria} value={form[k]} onChange={(e) => set(k, e.currentTarget.value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    ));
  const decimal = { inputMode: 'decimal', required: true };
  const badCount = invalid ? Object.keys(invalid.fields).length + invalid.other.length : 0;

  return (
    <main id="main">
      <h1>{t('proposals.title')}</h1>
      {can('proposals.create') && (
        // noValidate: the API names every bad field in one answer, shown beside each input
        <form class="card quote" onSubmit={submit} aria-labelledby="new-h" noValidate>
          <h2 id="new-h">{t('proposals.new')}</h2>
          <div class="grid2">
            {input('customer', t('proposals.customer'), { required: true })}
            {select('customerClass', t('proposals.classe'), [
              ['B1', 'B1'],
              ['B3', 'B3'],
            ])}
            {input('distribuidora', t('proposals.distribuidora'), { required: true })}
            {input('uf', t('proposals.uf'), { required: true, maxLength: 2, autoComplete: 'off' })}
            {select(
              'connection',
              t('proposals.connection'),
              (['mono', 'bi', 'tri'] as const).map((c) => [c, t(`proposals.connection.${c}`)]),
            )}
            {input('consumption', t('proposals.consumptionInput'), { required: true })}
            {input('latitude', t('proposals.latitude'), decimal)}
            {input('longitude', t('proposals.longitude'), decimal)}
            {input('roofTiltDeg', t('proposals.roofTilt'), decimal)}
            {input('roofAzimuthDeg', t('proposals.roofAzimuth'), decimal)}
            {input('roofAreaM2', t('proposals.roofArea'), decimal)}
            {input('priceBrlPerWp', t('proposals.price'), decimal)}
            {select(
              'irradiance',
              t('proposals.irradiance'),
              (['nasa-power', 'fleet'] as const).map((s) => [s, t(`proposals.irradiance.${s}`)]),
            )}
          </div>
          <p class="muted">{t('proposals.jsonHint')}</p>
          <label class="json">
            JSON
            <textarea rows={8} value={text} onInput={(e) => setJson(e.currentTarget.value)} spellcheck={false} />
          </label>
          {invalid && (
            <div class="error" role="alert" data-testid="quote-invalid">
              <strong>{t('proposals.invalid', { count: badCount })}</strong>
              {invalid.other.length > 0 && (
                <ul>
                  {invalid.other.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <ErrorBox error={error} />
          <button type="submit" class="primary" disabled={busy}>
            {t('proposals.create')}
          </button>
        </form>
      )}
      <section aria-labelledby="list-h">
        <h2 id="list-h">{t('proposals.list')}</h2>
        <ErrorBox error={list.error} onRetry={list.reload} />
        {list.loading && !list.data && <Loading />}
        {list.data && list.data.length === 0 && <p class="muted">{t('app.empty')}</p>}
        <ul class="plain">
          {list.data?.map((p) => {
            const fig = proposalFigures(p);
            return (
              <li key={p.id}>
                <a href={`/proposals/${encodeURIComponent(p.id)}`}>{proposalCustomer(p) ?? p.id}</a>{' '}
                <span class="muted">
                  {fig.systemKwp !== null ? `${f.number(fig.systemKwp, 2)} kWp · ` : ''}
                  {f.date(p.createdAt ?? null)}
                </span>
              </li>
            );
          })}
        </ul>
      </section>
    </main>
  );
}

export function ProposalScreen({ id }: { id: string }) {
  const { t, f } = useI18n();
  const p = useAsync(() => api.get<Proposal>(`/v1/proposals/${encodeURIComponent(id)}`), [id]);
  const [error, setError] = useState<ApiError | null>(null);
  const fig = useMemo(() => (p.data ? proposalFigures(p.data) : null), [p.data]);
  const chart = useMemo(() => {
    if (!fig?.monthlyKwh) return null;
    const year = new Date().getUTCFullYear();
    const xs = MONTHS.map((_, i) => Date.UTC(year, i, 15) / 1000);
    return [xs, fig.monthlyKwh, fig.monthlyConsumptionKwh ?? xs.map(() => null)] as [
      number[],
      number[],
      (number | null)[],
    ];
  }, [fig]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: t('proposals.generation'), color: '#2e7d32', bars: true },
      { label: t('proposals.consumption'), color: '#1f6feb' },
    ],
    [t],
  );
  const pdf = async () => {
    setError(null);
    try {
      saveBlob(await api.blob(`/v1/proposals/${encodeURIComponent(id)}/pdf`), `proposta-${id}.pdf`);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <main id="main">
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="/proposals">{t('nav.proposals')}</a> › <span>{id}</span>
      </nav>
      <h1>{(p.data && proposalCustomer(p.data)) ?? id}</h1>
      <ErrorBox error={p.error} onRetry={p.reload} />
      <ErrorBox error={error} />
      {p.loading && !p.data && <Loading />}
      {fig && (
        <section class="card" aria-labelledby="fig-h" data-testid="proposal-figures">
          <h2 id="fig-h">{t('proposals.figures')}</h2>
          <dl class="facts">
            <dt>kWp</dt>
            <dd data-figure="kwp">{f.number(fig.systemKwp, 2)}</dd>
            <dt>kWh/ano</dt>
            <dd data-figure="annual-kwh">{f.number(fig.annualKwh, 0)}</dd>
            <dt>TIR / IRR</dt>
            <dd data-figure="irr">{f.percent(fig.irr)}</dd>
            <dt>VPL / NPV</dt>
            <dd data-figure="npv">{fig.npv === null ? '—' : `R$ ${f.number(fig.npv, 2)}`}</dd>
            <dt>Payback</dt>
            <dd data-figure="payback">{fig.paybackYears === null ? '—' : `${f.number(fig.paybackYears, 1)}`}</dd>
            <dt>LCOE</dt>
            <dd data-figure="lcoe">{fig.lcoe === null ? '—' : `R$ ${f.number(fig.lcoe, 3)}/kWh`}</dd>
          </dl>
          {chart && <Chart title={t('proposals.generation')} data={chart} series={series} height={200} />}
          <button type="button" class="primary" onClick={pdf}>
            {t('proposals.pdf')}
          </button>
        </section>
      )}
      {p.data && (
        <details>
          <summary>JSON</summary>
          <pre class="logs">{JSON.stringify(p.data, null, 2)}</pre>
        </details>
      )}
    </main>
  );
}
