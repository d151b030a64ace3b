import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * A Prometheus registry for one component: default process metrics plus a
 * `ysh_component_info` gauge, all prefixed `ysh_`. Every series carries the
 * `component` label and the given `labels` (e.g. the edge agent's `site`).
 */
export function createMetricsRegistry(
  component: string,
  options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ ...options.labels, component });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ysh_' });
  return registry;
}
