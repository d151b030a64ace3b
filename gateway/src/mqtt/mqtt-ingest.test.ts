import { describe, expect, it } from 'vitest';
import { siteOfTopic } from './mqtt-ingest.ts';

describe('siteOfTopic', () => {
  it('takes the site from the filter’s + level, also under a shared subscription', () => {
    expect(siteOfTopic('ysh/+/telemetry', 'ysh/site-1/telemetry')).toBe('site-1');
    expect(siteOfTopic('$share/gw/ysh/+/telemetry', 'ysh/site-2/telemetry')).toBe('site-2');
    expect(siteOfTopic('fleet/br/+/up', 'fleet/br/site-3/up')).toBe('site-3');
  });

  it('gives nothing for a topic of another shape', () => {
    expect(siteOfTopic('ysh/+/telemetry', 'ysh/site-1/telemetry/extra')).toBeUndefined();
    expect(siteOfTopic('ysh/#', 'ysh/site-1')).toBeUndefined();
  });
});
