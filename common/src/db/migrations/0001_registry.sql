-- Registry: sites, their devices, hashed site tokens, API users.
CREATE TABLE sites (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  name        text NOT NULL DEFAULT '',
  latitude    double precision,
  longitude   double precision,
  timezone    text NOT NULL DEFAULT 'America/Sao_Paulo',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  site_id        text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id             text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  model          text NOT NULL DEFAULT '',
  serial         text NOT NULL DEFAULT '',
  nameplate_w    double precision,
  nameplate_dc_wp double precision,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  UNIQUE (site_id, id)
);

-- A token is shown once; only its SHA-256 is stored. Revocation is a timestamp, effective at once.
CREATE TABLE site_tokens (
  id          bigserial PRIMARY KEY,
  site_id     text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX site_tokens_site ON site_tokens (site_id);

CREATE TABLE api_users (
  id            bigserial PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'operator', 'admin')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
