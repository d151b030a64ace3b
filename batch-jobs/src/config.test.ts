import { describe, expect, it } from 'vitest';
import { loadJobsConfig } from './config.ts';

describe('loadJobsConfig', () => {
  it('defaults to the embedded database, console alerts and a São Paulo inbox under the data dir', () => {
    const c = loadJobsConfig({}, '/srv');
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:15432/postgres?sslmode=disable');
    expect(c.alertChannels).toEqual(['console']);
    expect(c.inboxDir).toBe('/srv/.ysh-data/inbox');
    expect(c.defaultTimeoutMs).toBe(30 * 60_000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every option and converts durations', () => {
    const c = loadJobsConfig(
      {
        YSH_DATABASE_URL: 'postgres://u@db:5432/ysh',
        YSH_JOBS_CONCURRENCY: '4',
        YSH_JOBS_STEP_TIMEOUT: '2m',
        YSH_JOBS_ALERT_CHANNELS: 'slack, console',
        YSH_JOBS_MODULES: 'a.ts,./b/c.ts',
        SLACK_BOT_TOKEN: 'xoxb-1',
      },
      '/srv',
    );
    expect(c).toMatchObject({
      databaseUrl: 'postgres://u@db:5432/ysh',
      concurrency: 4,
      defaultTimeoutMs: 120_000,
      alertChannels: ['slack', 'console'],
      modules: ['/srv/a.ts', '/srv/b/c.ts'],
    });
    expect(loadJobsConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }).alertChannels).toEqual(['slack', 'console']);
  });

  it('names the variable of a bad value', () => {
    expect(() => loadJobsConfig({ YSH_JOBS_CONCURRENCY: 'many' })).toThrow(
      'YSH_JOBS_CONCURRENCY: expected an integer between 1 and 64, got "many"',
    );
    expect(() => loadJobsConfig({ YSH_JOBS_RETRY_DELAY: '5' })).toThrow(/^YSH_JOBS_RETRY_DELAY: expected a duration/);
  });
});
