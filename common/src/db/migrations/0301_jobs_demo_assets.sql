-- Tables of the small synthetic demo asset graph shipped with the batch-jobs engine
-- (batch-jobs/src/demo/): meter readings dropped as CSV files into an inbox, normalized with
-- provenance, and summed per site. The domain assets (catalog, tarifas, propostas, RAG) replace it.
CREATE TABLE demo_sites (
  site        text PRIMARY KEY,
  name        text NOT NULL,
  capacity_kwp double precision NOT NULL
);

-- raw layer: one row per CSV line as read, with the file it came from.
CREATE TABLE demo_meter_raw (
  id            bigserial PRIMARY KEY,
  source_file   text NOT NULL,
  line          integer NOT NULL,
  file_sha256   text NOT NULL,
  content       text NOT NULL,
  loaded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_file, line)
);

-- normalized layer: typed rows; raw_id/source_file/line are the provenance of each row.
CREATE TABLE demo_meter_daily (
  site         text NOT NULL,
  day          date NOT NULL,
  energy_kwh   double precision,
  raw_id       bigint NOT NULL,
  source_file  text NOT NULL,
  line         integer NOT NULL,
  PRIMARY KEY (site, day)
);

-- gold layer: per site totals.
CREATE TABLE demo_site_energy (
  site          text PRIMARY KEY,
  days          integer NOT NULL,
  energy_kwh    double precision NOT NULL,
  yield_kwh_kwp double precision
);
