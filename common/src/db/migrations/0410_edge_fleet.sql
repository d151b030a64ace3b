-- Edge fleet: one-time enrollment codes, versioned site configurations, the last heartbeat of each agent.

-- A code is shown once; only its SHA-256 is stored. Single use: used_at is set by the one
-- UPDATE that redeems it (concurrent redeemers of one code: exactly one row comes back).
CREATE TABLE site_enroll_codes (
  id          bigserial PRIMARY KEY,
  site_id     text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  code_hash   bytea NOT NULL UNIQUE,
  created_by  text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  used_by     text
);
CREATE INDEX site_enroll_codes_site ON site_enroll_codes (site_id);

-- Every enrollment attempt, whatever its outcome (the code itself is never stored).
CREATE TABLE enroll_attempts (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  site_id     text,
  remote      text NOT NULL DEFAULT '',
  agent_id    text NOT NULL DEFAULT '',
  outcome     text NOT NULL CHECK (outcome IN ('enrolled', 'unknown', 'used', 'expired', 'rate_limited'))
);
CREATE INDEX enroll_attempts_at ON enroll_attempts (at);

-- Site configuration documents (YAML as submitted), append-only: one row per version.
CREATE TABLE site_configs (
  site_id     text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  version     integer NOT NULL CHECK (version > 0),
  body        text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  comment     text NOT NULL DEFAULT '',
  PRIMARY KEY (site_id, version)
);

-- The latest heartbeat of each agent (one row per site and agent id, replaced on each beat).
CREATE TABLE agent_heartbeats (
  site_id             text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  agent_id            text NOT NULL,
  version             text NOT NULL,
  config_version      integer,
  config_error        text,
  uptime_s            double precision NOT NULL,
  buffer_depth        bigint NOT NULL,
  oldest_buffered_at  timestamptz,
  devices             jsonb NOT NULL DEFAULT '{}',
  clock_offset_ms     double precision,
  last_error          text,
  received_at         timestamptz NOT NULL DEFAULT now(),
  first_seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, agent_id)
);
CREATE INDEX agent_heartbeats_received ON agent_heartbeats (received_at);
