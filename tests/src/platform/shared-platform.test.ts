import { parseStatus, SHARED_PLATFORM_WAIT_MS, sharedPlatform } from '@ysh/test-helpers/shared-platform.ts';
import { describe, expect, it } from 'vitest';

describe('shared platform fixture', () => {
  it('parses the status table of ysh start', () => {
    const urls = parseStatus(
      [
        'postgres          postgres://postgres@127.0.0.1:21000/postgres?sslmode=disable  (embedded PGlite)',
        'kafka             127.0.0.1:21002  (embedded broker)',
        'gateway           http://127.0.0.1:21005/v1/telemetry',
        'gateway           http://127.0.0.1:21005/health  http://127.0.0.1:21005/metrics',
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
    expect(urls.postgres).toEqual(['postgres://postgres@127.0.0.1:21000/postgres?sslmode=disable']);
    expect(urls.kafka).toEqual(['127.0.0.1:21002']);
    expect(urls.gateway).toEqual([
      'http://127.0.0.1:21005/v1/telemetry',
      'http://127.0.0.1:21005/health',
      'http://127.0.0.1:21005/metrics',
    ]);
  });

  it(
    'serves a running pipeline whose gateway and processor answer /health',
    async () => {
      const platform = await sharedPlatform();
      const gateway = await fetch(`${platform.gatewayUrl}/health`);
      expect(gateway.status).toBe(200);
      const processor = platform.urls.processor?.find((u) => u.endsWith('/health'));
      expect(processor).toBeDefined();
      expect((await fetch(processor as string)).status).toBe(200);
      // a second call in the same run gets the same platform, not a new one
      expect((await sharedPlatform()).base).toBe(platform.base);
    },
    SHARED_PLATFORM_WAIT_MS + 30_000,
  );
});
