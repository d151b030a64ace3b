import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@ysh/common';
import { type KafkaBroker, type KafkaBrokerOptions, startKafkaBroker } from '@ysh/embedded/kafka';

export interface TestBroker extends KafkaBroker {
  dataDir: string;
  /** Closes the broker and removes its data directory. */
  stop(): Promise<void>;
}

/** The embedded Kafka broker on an ephemeral port with a fresh temp data directory (quiet logs). */
export async function startTestBroker(options: Partial<KafkaBrokerOptions> = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ysh-kafka-')));
  const broker = await startKafkaBroker({
    logger: createLogger('kafka-test', { level: (process.env.YSH_TEST_BROKER_LOG as 'info' | undefined) ?? 'error' }),
    ...options,
    dataDir,
    port: options.port ?? 0,
  });
  return Object.assign(broker, {
    dataDir,
    async stop() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** A topic name no other test uses. */
export function randomTopic(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * Registers beforeAll/afterAll hooks that start one embedded broker for the calling
 * test file and stop it afterwards; call the returned function inside a test to get it.
 */
export function useTestBroker(options: Partial<KafkaBrokerOptions> = {}): () => TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    broker = await startTestBroker(options);
  });
  afterAll(async () => {
    await broker?.stop();
    broker = undefined;
  });
  return () => {
    if (!broker)
      throw new Error('useTestBroker(): the broker is only there inside the tests of the file that asked for it');
    return broker;
  };
}
