-- Notifications of alert events, written in the same transaction as the alert change and
-- delivered (Slack, Kafka topic inverter_alerts, InfluxDB annotations, console) until they succeed.
-- UNIQUE (alert_id, event, channel): one incident is one "opened" and one "resolved" per channel.
CREATE TABLE notification_outbox (
  id               bigserial PRIMARY KEY,
  alert_id         text NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  event            text NOT NULL CHECK (event IN ('opened', 'acknowledged', 'escalated', 'resolved')),
  channel          text NOT NULL,
  payload          jsonb NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_id, event, channel)
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE delivered_at IS NULL;
