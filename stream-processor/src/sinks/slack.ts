import type { Alert } from '@ysh/common';
import { WebClient, type KnownBlock } from '@slack/web-api';
import type { AlertChannel } from '../alerts/outbox.ts';

export interface SlackOptions {
  token: string;
  channel: string;
  /** Slack Web API base URL (default https://slack.com/api/); tests point it at a local server. */
  slackApiUrl?: string;
  /** Base URL of the alert page linked from the message, e.g. the admin console. */
  linkBaseUrl?: string;
}

const EMOJI: Record<Alert['event'], string> = {
  opened: ':red_circle:',
  acknowledged: ':eyes:',
  escalated: ':rotating_light:',
  resolved: ':large_green_circle:',
};

/** Block Kit message: what, where, value, since when, and a link. */
export function slackMessage(a: Alert, linkBaseUrl?: string): { text: string; blocks: KnownBlock[] } {
  const target = a.device ? `${a.site}/${a.device}` : `${a.site} (whole site)`;
  const title = `${EMOJI[a.event]} ${a.event === 'opened' ? 'Alert' : `Alert ${a.event}`}: ${a.rule} on ${target}`;
  const fields = [
    { type: 'mrkdwn', text: `*Site*\n${a.site}` },
    { type: 'mrkdwn', text: `*Device*\n${a.device ?? '(site level)'}` },
    { type: 'mrkdwn', text: `*Rule*\n${a.rule} (${a.severity})` },
    {
      type: 'mrkdwn',
      text: `*Since*\n<!date^${Math.floor(Date.parse(a.since) / 1000)}^{date_short_pretty} {time}|${a.since}>`,
    },
  ];
  if (a.value !== undefined) {
    fields.push({
      type: 'mrkdwn',
      text: `*Value*\n${a.value}${a.threshold === undefined ? '' : ` (threshold ${a.threshold})`}`,
    });
  }
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: a.message }, fields },
  ];
  const link = linkBaseUrl ? `${linkBaseUrl.replace(/\/$/, '')}/alerts/${a.id}` : undefined;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: link ? `<${link}|Alert ${a.id}> · ${a.event} ${a.at}` : `Alert ${a.id} · ${a.event} ${a.at}`,
      },
    ],
  });
  return { text: `${title}: ${a.message}`, blocks: blocks as unknown as KnownBlock[] };
}

/** Slack through @slack/web-api chat.postMessage; retries belong to the outbox, so the client does not retry. */
export function slackChannel(options: SlackOptions): AlertChannel {
  const client = new WebClient(options.token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
  return {
    name: 'slack',
    async deliver(alert) {
      const { text, blocks } = slackMessage(alert, options.linkBaseUrl);
      await client.chat.postMessage({ channel: options.channel, text, blocks, unfurl_links: false });
    },
  };
}
