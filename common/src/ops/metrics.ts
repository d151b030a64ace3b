import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * A Prometheus registry for one component: default process metrics plus a
 * `ysh_component_info` gauge, all prefixed `ysh_`.
 */
export function createMetricsRegistry(component: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ysh_' });
  return registry;
}
