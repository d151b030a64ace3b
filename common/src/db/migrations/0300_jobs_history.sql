-- Batch jobs (batch-jobs/): runs, steps and their attempts, materializations with data versions,
-- check results, per-step logs, schedule ticks and sensor cursors. The job queue itself (pg-boss)
-- keeps its own schema "pgboss"; nothing about a run lives only there or in a worker's memory.

-- One run: a selection of assets (and partitions) materialized together.
CREATE TABLE job_runs (
  id            text PRIMARY KEY,
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'sensor', 'manual', 'backfill', 'retry')),
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  requested_by  text NOT NULL,
  -- Per-asset resolved configuration of every step of the run, and its hash.
  config        jsonb NOT NULL,
  config_hash   text NOT NULL,
  parent_run_id text REFERENCES job_runs(id) ON DELETE SET NULL,
  -- What started it: the schedule tick, the sensor's new files, the backfill range.
  origin        jsonb NOT NULL DEFAULT '{}'::jsonb,
  error         text,
  -- Steps not yet finished, and finished steps that failed or were blocked: each finishing step
  -- updates them as its last statement, and the one bringing `remaining` to 0 closes the run.
  remaining     integer NOT NULL DEFAULT 0,
  failed_steps  integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX job_runs_by_created ON job_runs (created_at DESC);
CREATE INDEX job_runs_unfinished ON job_runs (status) WHERE status IN ('queued', 'running');

-- One asset (one partition of it) in one run. partition_key '' for an unpartitioned asset.
CREATE TABLE job_steps (
  run_id         text NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
  asset_key      text NOT NULL,
  partition_key  text NOT NULL DEFAULT '',
  -- Position in the run's plan (dependency order).
  seq            integer NOT NULL DEFAULT 0,
  status         text NOT NULL CHECK (status IN
                   ('pending', 'queued', 'running', 'succeeded', 'up_to_date', 'failed', 'blocked', 'canceled')),
  deps           text[] NOT NULL DEFAULT '{}',
  -- Dependencies (in this run) not yet done; the finishing dependency that brings it to 0 queues the step.
  waiting        integer NOT NULL DEFAULT 0,
  attempts       integer NOT NULL DEFAULT 0,
  -- Why it stopped: the error (code, message, retriable) or the blocking check that failed.
  error          jsonb,
  reason         text,
  -- Last progress the asset reported ({done, total, message}), throttled.
  progress       jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  PRIMARY KEY (run_id, asset_key, partition_key)
);
CREATE INDEX job_steps_by_asset ON job_steps (asset_key, created_at DESC);
CREATE INDEX job_steps_by_partition ON job_steps (asset_key, partition_key, created_at DESC);

-- Every time a worker picked a step up: a kill -9 leaves an attempt without an outcome ("lost").
CREATE TABLE job_step_attempts (
  run_id         text NOT NULL,
  asset_key      text NOT NULL,
  partition_key  text NOT NULL,
  attempt        integer NOT NULL,
  worker         text NOT NULL,
  queue_job_id   text,
  outcome        text CHECK (outcome IN ('succeeded', 'up_to_date', 'failed', 'retrying', 'lost', 'superseded')),
  error          jsonb,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  PRIMARY KEY (run_id, asset_key, partition_key, attempt),
  FOREIGN KEY (run_id, asset_key, partition_key) REFERENCES job_steps ON DELETE CASCADE
);

-- A materialization: what one step produced. Kept apart from runs so pruning old runs
-- never loses the latest materialization an asset's staleness is judged against.
CREATE TABLE asset_materializations (
  id                  bigserial PRIMARY KEY,
  run_id              text NOT NULL,
  asset_key           text NOT NULL,
  partition_key       text NOT NULL DEFAULT '',
  -- hash(code version, config hash, upstream data versions, own output fingerprint)
  data_version        text NOT NULL,
  -- hash(code version, config hash, upstream data versions, source observation): equal means up to date
  input_version       text NOT NULL,
  code_version        text NOT NULL,
  config              jsonb NOT NULL,
  config_hash         text NOT NULL,
  upstream            jsonb NOT NULL,
  source_version      text,
  output_fingerprint  text NOT NULL,
  row_count           bigint,
  metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- false when a blocking check failed: the data exists but is not used as the asset's current version
  checks_passed       boolean NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, asset_key, partition_key)
);
CREATE INDEX asset_materializations_history ON asset_materializations (asset_key, partition_key, created_at DESC);
CREATE INDEX asset_materializations_by_time ON asset_materializations (created_at);

-- The current materialization of each asset and partition: the latest one that passed its blocking
-- checks. Status, upstream versions and freshness read it in one index lookup per asset, however long
-- the history; pruning never deletes the materialization it points to.
CREATE TABLE asset_latest (
  asset_key          text NOT NULL,
  partition_key      text NOT NULL DEFAULT '',
  materialization_id bigint NOT NULL REFERENCES asset_materializations(id),
  data_version       text NOT NULL,
  created_at         timestamptz NOT NULL,
  -- Last time a step confirmed it: materialized, or found up to date (its inputs unchanged). Freshness reads this.
  verified_at        timestamptz NOT NULL,
  PRIMARY KEY (asset_key, partition_key)
);

CREATE TABLE asset_check_results (
  id                  bigserial PRIMARY KEY,
  materialization_id  bigint NOT NULL REFERENCES asset_materializations(id) ON DELETE CASCADE,
  run_id              text NOT NULL,
  asset_key           text NOT NULL,
  partition_key       text NOT NULL DEFAULT '',
  check_name          text NOT NULL,
  severity            text NOT NULL CHECK (severity IN ('warn', 'error')),
  blocking            boolean NOT NULL,
  passed              boolean NOT NULL,
  details             jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (materialization_id, check_name)
);
CREATE INDEX asset_check_results_by_run ON asset_check_results (run_id);

-- Structured logs of a step (ctx.log), kept with the run and pruned with it.
CREATE TABLE job_step_logs (
  id             bigserial PRIMARY KEY,
  run_id         text NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
  asset_key      text NOT NULL,
  partition_key  text NOT NULL DEFAULT '',
  attempt        integer NOT NULL,
  level          text NOT NULL,
  message        text NOT NULL,
  data           jsonb,
  at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_step_logs_by_run ON job_step_logs (run_id, id);

-- One row per schedule tick that a worker claimed: the primary key is what makes one tick one run.
CREATE TABLE job_schedule_ticks (
  schedule   text NOT NULL,
  tick_at    timestamptz NOT NULL,
  run_id     text,
  status     text NOT NULL CHECK (status IN ('started', 'skipped')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule, tick_at)
);

-- Sensor cursors (e.g. file name -> content hash of an inbox), persisted so a restart does not re-trigger.
CREATE TABLE job_sensor_cursors (
  sensor      text PRIMARY KEY,
  cursor      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
