-- Propostas (batch-jobs/src/propostas): the CSV quote inbox and the city geocoding cache.
--
-- propostas_geocode: each city/UF a geocoder found, so a city is looked up once (location.ts).
-- city_key is the city folded (lower case, no accents, punctuation as "_"); city as first written.
CREATE TABLE propostas_geocode (
  uf          text NOT NULL,
  city_key    text NOT NULL,
  city        text NOT NULL,
  lat         double precision NOT NULL,
  lon         double precision NOT NULL,
  source      text NOT NULL,
  label       text,
  resolved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (uf, city_key)
);

-- propostas_inbox_files: each CSV of <inbox>/propostas as last processed (by content hash), so a
-- file is processed once and the same content under another name is recognised. removed_at is set
-- when the file leaves the inbox (its rejected rows then stop being reported).
CREATE TABLE propostas_inbox_files (
  file_name    text PRIMARY KEY,
  sha256       text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  removed_at   timestamptz
);
CREATE INDEX propostas_inbox_files_by_sha ON propostas_inbox_files (sha256);

-- propostas_inbox_rows: what each row of an inbox file became: a proposal (proposal_id) or a
-- rejection (errors: one line per bad field, with file and row). row_sha256 lets an edited file
-- leave its unchanged rows alone.
CREATE TABLE propostas_inbox_rows (
  file_name    text NOT NULL,
  line         integer NOT NULL,
  row_sha256   text NOT NULL,
  proposal_id  text,
  errors       jsonb,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (file_name, line),
  CHECK ((proposal_id IS NULL) <> (errors IS NULL))
);
