import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', '..', '..', 'embedded', 'src', 'kafka', 'main.ts');

describe('ysh broker as its own process', () => {
  it('logs JSON, serves /health and /metrics, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ysh-broker-proc-'));
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--port', '0', '--ops-port', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const lines: Record<string, unknown>[] = [];
      const ready = new Promise<{ brokers: string; ops: string }>((resolve) => {
        createInterface({ input: proc.stdout! }).on('line', (line) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          lines.push(entry);
          if (entry.msg === 'ysh broker ready') resolve(entry as unknown as { brokers: string; ops: string });
        });
      });
      const { brokers, ops } = await ready;
      const health = await fetch(`${ops}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, checks: { broker: { ok: true, detail: brokers } } });

      const kafka = new Kafka({ brokers: [brokers], clientId: 'proc', logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await producer.send({ topic: 'proc-topic', messages: [{ value: 'hello' }] });
      await producer.disconnect();
      const metrics = await (await fetch(`${ops}/metrics`)).text();
      expect(metrics).toMatch(/ysh_kafka_messages_in_total\{topic="proc-topic"[^}]*\} 1/);
      expect(metrics).toMatch(/ysh_process_cpu_user_seconds_total/);

      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(lines.some((l) => l.msg === 'kafka broker stopped')).toBe(true);
      expect(lines.every((l) => typeof l.level === 'number' && typeof l.time === 'string')).toBe(true);
      expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(true);
      expect(existsSync(join(dataDir, 'broker.lock'))).toBe(false);
    } finally {
      proc.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data directory another live broker holds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ysh-broker-lock-'));
    const first = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--port', '0', '--ops-port', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve) => {
        createInterface({ input: first.stdout! }).on('line', (l) => l.includes('ysh broker ready') && resolve());
      });
      const second = spawn(
        process.execPath,
        ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--port', '0', '--ops-port', '0'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      second.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/in use by process \d+/);
    } finally {
      first.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
