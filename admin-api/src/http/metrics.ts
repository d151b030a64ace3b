import { createMetricsRegistry, Histogram, type Registry } from '@ysh/common';

export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = createMetricsRegistry('admin-api');
  const requestDuration = new Histogram({
    name: 'ysh_api_request_duration_seconds',
    help: 'Admin API request duration by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requestDuration };
}
