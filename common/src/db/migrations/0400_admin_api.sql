-- Admin API (admin-api/): users with roles and site scopes, sessions, API keys, the append-only
-- audit log, alert comments and silences, and the event journal behind GET /v1/events.

-- sites NULL: every site; otherwise only those listed. A disabled user can neither log in nor use keys.
ALTER TABLE api_users ADD COLUMN sites text[];
ALTER TABLE api_users ADD COLUMN disabled_at timestamptz;

-- A session cookie holds a random id; only its SHA-256 is stored. The CSRF token is bound to the session.
CREATE TABLE api_sessions (
  id_hash     bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES api_users(id) ON DELETE CASCADE,
  csrf        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX api_sessions_user ON api_sessions (user_id);

-- API keys: ysh_k_<prefix>_<secret>; the prefix is shown in listings, only the key's SHA-256 is stored.
CREATE TABLE api_keys (
  id            bigserial PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES api_users(id) ON DELETE CASCADE,
  name          text NOT NULL DEFAULT '',
  prefix        text NOT NULL,
  key_hash      bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- Who did what to which target, with a before/after summary and the request id. Append-only:
-- UPDATE and DELETE are refused by a trigger.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  actor_kind  text NOT NULL CHECK (actor_kind IN ('session', 'apikey', 'anonymous', 'cli')),
  method      text NOT NULL,
  route       text NOT NULL,
  action      text NOT NULL,
  target      text,
  status      integer NOT NULL,
  request_id  text NOT NULL,
  before      jsonb,
  after       jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE alert_comments (
  id        bigserial PRIMARY KEY,
  alert_id  text NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  by        text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now(),
  text      text NOT NULL
);
CREATE INDEX alert_comments_alert ON alert_comments (alert_id, id);

-- A silence mutes the person-facing notification channels for matching alerts until `until`;
-- the alerts themselves are still stored (and still go to the data channels).
CREATE TABLE alert_silences (
  id          bigserial PRIMARY KEY,
  site        text NOT NULL,
  device      text,
  rule        text,
  until       timestamptz NOT NULL,
  reason      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX alert_silences_live ON alert_silences (site, until) WHERE deleted_at IS NULL;

-- Event journal for the SSE stream: the id is the SSE id (Last-Event-ID resumes after it).
-- Written by triggers, so every writer of alerts and runs (processor, jobs, API) feeds it.
CREATE TABLE api_events (
  id       bigserial PRIMARY KEY,
  type     text NOT NULL,
  site     text,
  subject  text NOT NULL,
  data     jsonb NOT NULL DEFAULT '{}'::jsonb,
  at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_events_at ON api_events (at);

CREATE FUNCTION api_events_from_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    kind := 'alert.opened';
  ELSIF NEW.state IS DISTINCT FROM OLD.state AND NEW.state = 'acknowledged' THEN
    kind := 'alert.acknowledged';
  ELSIF NEW.state IS DISTINCT FROM OLD.state AND NEW.state = 'resolved' THEN
    kind := 'alert.resolved';
  ELSE
    RETURN NULL;
  END IF;
  INSERT INTO api_events (type, site, subject, data) VALUES (kind, NEW.site, NEW.id, jsonb_build_object(
    'device', NEW.device, 'rule', NEW.rule, 'severity', NEW.severity, 'state', NEW.state,
    'acknowledgedBy', NEW.acknowledged_by, 'message', NEW.message));
  RETURN NULL;
END $$;
CREATE TRIGGER alerts_api_events AFTER INSERT OR UPDATE OF state ON alerts
  FOR EACH ROW EXECUTE FUNCTION api_events_from_alerts();

CREATE FUNCTION api_events_from_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text;
BEGIN
  IF NEW.status = 'running' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'running') THEN
    kind := 'run.started';
  ELSIF NEW.status IN ('succeeded', 'failed', 'canceled') AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) THEN
    kind := 'run.finished';
  ELSE
    RETURN NULL;
  END IF;
  INSERT INTO api_events (type, site, subject, data) VALUES (kind, NULL, NEW.id, jsonb_build_object(
    'status', NEW.status, 'trigger', NEW.trigger));
  RETURN NULL;
END $$;
CREATE TRIGGER job_runs_api_events AFTER INSERT OR UPDATE OF status ON job_runs
  FOR EACH ROW EXECUTE FUNCTION api_events_from_runs();
