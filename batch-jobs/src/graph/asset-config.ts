import { Value } from '@sinclair/typebox/value';
import { JobsError } from '../errors.ts';
import type { AnyAsset } from './asset.ts';

/**
 * An asset's configuration for one run: its defaults with the run's overrides
 * on top (a shallow merge), checked against its schema. A wrong value names
 * the asset and the field.
 */
export function resolveConfig(asset: AnyAsset, override: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!asset.config) {
    if (override && Object.keys(override).length > 0)
      throw new JobsError(
        'JOBS_CONFIG_INVALID',
        `asset ${asset.key} takes no configuration, got ${Object.keys(override).join(', ')}`,
      );
    return {};
  }
  const merged = { ...(asset.config.defaults as Record<string, unknown>), ...(override ?? {}) };
  if (!Value.Check(asset.config.schema, merged)) {
    const first = Value.Errors(asset.config.schema, merged).First();
    const where = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(root)';
    throw new JobsError(
      'JOBS_CONFIG_INVALID',
      `asset ${asset.key}: config ${where}: ${first?.message ?? 'does not match the schema'} (got ${JSON.stringify(first?.value)})`,
    );
  }
  return merged;
}
