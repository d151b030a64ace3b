import type { BoardSpec } from '../board.ts';

/** A panel query over the components' /metrics: these exist only where Prometheus-style scraping runs. */
const prom = (promql: string, labels: string[], name?: string) => ({
  promql,
  labels,
  flux: '',
  ...(name ? { name } : {}),
});

export const platform: BoardSpec = {
  uid: 'ysh-platform',
  title: 'Platform health',
  description:
    'The platform’s own health from the components’ /metrics: gateway ingest rate and its 503s, Kafka consumer lag, processor fold rate and window corrections, edge buffer depth and oldest unsent reading per site, dead-letter rate, batch job runs by status and freshness lag per asset, and admin API latency.',
  tags: ['platform'],
  flavours: ['prometheus'],
  from: 'now-6h',
  panels: [
    {
      kind: 'timeseries',
      title: 'Ingest rate',
      description: 'Readings per second at the gateway by outcome (accepted, duplicate, rejected).',
      unit: 'reqps',
      queries: [prom('sum by (outcome) (rate(ysh_gateway_readings_total[$__rate_interval]))', ['outcome'])],
    },
    {
      kind: 'timeseries',
      title: 'Gateway answers by status (503 = Kafka not keeping up)',
      description:
        'HTTP answers per second by status code; 503 means the gateway shed load (Kafka backlog or in-flight limit).',
      unit: 'reqps',
      queries: [prom('sum by (code) (rate(ysh_gateway_http_responses_total[$__rate_interval]))', ['code'])],
    },
    {
      kind: 'timeseries',
      title: 'Kafka consumer lag',
      description:
        'Messages behind the partition’s high watermark after each batch the processor fetched, per partition.',
      unit: 'short',
      queries: [prom('max by (partition) (ysh_processor_consumer_lag)', ['partition'])],
    },
    {
      kind: 'timeseries',
      title: 'Processor fold rate and corrections',
      description: 'Readings folded into windows per second, and corrected window results (late readings) per second.',
      unit: 'reqps',
      queries: [
        prom('sum(rate(ysh_processor_readings_total[$__rate_interval]))', [], 'folded'),
        prom('sum(rate(ysh_processor_corrections_total[$__rate_interval]))', [], 'corrections'),
      ],
    },
    {
      kind: 'timeseries',
      title: 'Edge buffer depth per site',
      description: 'Readings stored at the site and not yet acknowledged by the gateway.',
      unit: 'short',
      queries: [prom('max by (site) (ysh_edge_buffer_backlog)', ['site'])],
    },
    {
      kind: 'timeseries',
      title: 'Oldest unsent reading per site',
      description:
        'Age of the oldest reading still waiting in the site’s buffer (0 when caught up): how far behind the cloud is.',
      unit: 's',
      queries: [prom('max by (site) (ysh_edge_oldest_unsent_seconds)', ['site'])],
    },
    {
      kind: 'timeseries',
      title: 'Dead-letter rate',
      description:
        'Readings the gateway rejected and whole payloads it refused, per second: both go to inverters_telemetry.dlq.',
      unit: 'reqps',
      queries: [
        prom(
          'sum by (source) (rate(ysh_gateway_readings_total{outcome="rejected"}[$__rate_interval]))',
          ['source'],
          'readings',
        ),
        prom('sum by (source) (rate(ysh_gateway_payloads_refused_total[$__rate_interval]))', ['source'], 'payloads'),
      ],
    },
    {
      kind: 'timeseries',
      title: 'Job runs by status',
      description:
        'Batch-job runs in the database by status (highest over 5 minutes: the worker counts them with a database query at each scrape, and a scrape that times out leaves a gap).',
      unit: 'short',
      queries: [prom('max by (status) (max_over_time(ysh_jobs_runs[5m]))', ['status'])],
    },
    {
      kind: 'timeseries',
      title: 'Freshness lag per asset',
      description: 'Seconds since each asset with a freshness deadline was last materialized or confirmed up to date.',
      unit: 's',
      queries: [prom('max by (asset) (max_over_time(ysh_jobs_freshness_lag_seconds[5m]))', ['asset'])],
    },
    {
      kind: 'timeseries',
      title: 'Admin API latency (p95)',
      description: '95th percentile of admin API request durations per route.',
      unit: 's',
      queries: [
        prom(
          'histogram_quantile(0.95, sum by (le, route) (rate(ysh_api_request_duration_seconds_bucket[$__rate_interval])))',
          ['route'],
          'p95',
        ),
      ],
    },
  ],
};
