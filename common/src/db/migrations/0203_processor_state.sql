-- Stream-processor checkpoints: per partition the next offset the stored state covers, and who owns it
-- (a fenced write from a former owner after a rebalance changes nothing); per device its open windows
-- and rule memory. State, results, alerts and offsets are written in one transaction.
CREATE TABLE processor_partitions (
  group_id     text NOT NULL,
  topic        text NOT NULL,
  partition    integer NOT NULL,
  next_offset  bigint NOT NULL DEFAULT 0,
  owner        text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

CREATE TABLE processor_devices (
  group_id      text NOT NULL,
  device        text NOT NULL,
  site          text NOT NULL,
  topic         text NOT NULL,
  partition     integer NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  max_event_ts  timestamptz,
  state         jsonb NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, device)
);
CREATE INDEX processor_devices_by_partition ON processor_devices (group_id, topic, partition);
CREATE INDEX processor_devices_by_site ON processor_devices (group_id, site);

-- Peer rules: hysteresis memory per site and the last site window judged.
CREATE TABLE processor_site_state (
  group_id     text NOT NULL,
  site         text NOT NULL,
  last_window  timestamptz,
  state        jsonb NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, site)
);
