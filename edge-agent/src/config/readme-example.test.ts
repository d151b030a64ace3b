import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from './site-config.ts';

describe('README example site config', () => {
  it('is a valid, complete config', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const config = parseSiteConfig(yaml as string, 'README.md', { SITE_TOKEN: 'secret' });
    expect(config.devices.map((d) => d.transport)).toEqual(['tcp', 'tcp', 'tcp', 'rtu', 'rtu', 'mqtt']);
    expect(config.gateway.lingerMs).toBe(200);
    // Devices behind one Modbus TCP gateway share its bus; RTU devices share their serial line.
    expect(new Set(config.devices.filter((d) => d.transport === 'rtu').map((d) => d.bus))).toEqual(
      new Set(['/dev/ttyUSB0']),
    );
    expect(config.buses['10.0.0.20:502']).toEqual({ concurrency: 1 });
  });
});
