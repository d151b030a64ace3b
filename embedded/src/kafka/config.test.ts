import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createLogger, DEFAULT_PORTS } from '@ysh/common';
import { describe, expect, it } from 'vitest';
import { startKafkaBroker } from './broker.ts';
import { brokerCommand } from './cli.ts';
import { loadBrokerConfig, parseFsync } from './config.ts';

describe('ysh broker configuration', () => {
  it('reads --fsync as per-batch or an interval', () => {
    expect(parseFsync(undefined)).toEqual({ intervalMs: 1000 });
    expect(parseFsync('batch')).toBe('batch');
    expect(parseFsync('250')).toEqual({ intervalMs: 250 });
    expect(() => parseFsync('sometimes')).toThrow(/--fsync: expected "batch" or an interval/);
    expect(() => parseFsync('0')).toThrow(ConfigError);
  });

  it('defaults from the environment and lets flags override', () => {
    const env = { YSH_DATA_DIR: '/srv/ysh', YSH_EMBEDDED_KAFKA_PORT: '29092' };
    const base = loadBrokerConfig(env);
    expect(base).toMatchObject({
      dataDir: '/srv/ysh/kafka',
      port: 29092,
      opsPort: DEFAULT_PORTS.brokerOps,
      defaultPartitions: 1,
    });
    const flagged = loadBrokerConfig(env, {
      'data-dir': '/tmp/k',
      port: '0',
      partitions: '6',
      fsync: 'batch',
      'retention-ms': '60000',
    });
    expect(flagged).toMatchObject({
      dataDir: '/tmp/k',
      port: 0,
      defaultPartitions: 6,
      fsync: 'batch',
      retentionMs: 60000,
    });
    expect(() => loadBrokerConfig(env, { port: '70000' })).toThrow(/--port/);
    expect(() => loadBrokerConfig(env, { partitions: '0' })).toThrow(/--partitions/);
    expect(() => loadBrokerConfig({ YSH_EMBEDDED_KAFKA_PORT: 'x' })).toThrow(/YSH_EMBEDDED_KAFKA_PORT/);
  });

  it('refuses unknown flags naming them', async () => {
    await expect(brokerCommand.run(['--bogus'])).rejects.toThrow(/bogus/);
    expect(brokerCommand.name).toBe('broker');
    expect(brokerCommand.usage).toMatch(/--fsync <batch\|ms>/);
  });
});

describe('startKafkaBroker data directory ownership', () => {
  it('refuses a second broker of this process on the same directory, and frees it when a start fails', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ysh-kafka-own-'));
    const logger = createLogger('test', { level: 'silent' });
    try {
      const first = await startKafkaBroker({ dataDir, logger });
      await expect(startKafkaBroker({ dataDir, logger })).rejects.toThrow(/in use by another broker of this process/);
      await expect(startKafkaBroker({ dataDir: `${dataDir}-2`, port: first.port, logger })).rejects.toThrow(
        /EADDRINUSE/,
      );
      await first.close();
      // The failed start released its directory: it can be used now.
      const again = await startKafkaBroker({ dataDir: `${dataDir}-2`, logger });
      await again.close();
      const reopened = await startKafkaBroker({ dataDir, logger });
      await reopened.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}-2`, { recursive: true, force: true });
    }
  });
});
