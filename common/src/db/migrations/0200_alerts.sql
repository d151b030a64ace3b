-- Alert lifecycle (stream processor): open -> acknowledged -> resolved.
-- One row per incident; the id is derived from (site, device, rule, start) so a replay names the same incident.
CREATE TABLE alerts (
  id               text PRIMARY KEY,
  site             text NOT NULL,
  device           text,
  rule             text NOT NULL,
  severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  state            text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  since            timestamptz NOT NULL,
  opened_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  escalated_at     timestamptz,
  resolved_at      timestamptz,
  value            double precision,
  threshold        double precision,
  message          text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- At most one unresolved incident per (site, device, rule): a second "open" for the same target is a no-op.
CREATE UNIQUE INDEX alerts_one_unresolved ON alerts (site, coalesce(device, ''), rule) WHERE state <> 'resolved';
CREATE INDEX alerts_by_state ON alerts (state, created_at);
CREATE INDEX alerts_by_site ON alerts (site, since);
