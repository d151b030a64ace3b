-- ANEEL tariffs (batch-jobs/src/tarifas): raw lines of every layout as read, one normalized row
-- per published tariff key with TE/TUSD in R$/kWh (R$/kW for demand), the monthly bandeiras, and
-- the gold lookup table the tariff quote reads (billed tariffs only, with provenance).
CREATE TABLE tarifas_raw (
  id          bigserial PRIMARY KEY,
  layout      text NOT NULL,
  source_file text NOT NULL,
  line        int NOT NULL,
  file_sha256 text NOT NULL,
  record      jsonb NOT NULL,
  loaded_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_file, line)
);

CREATE TABLE tarifas_normalized (
  id             bigserial PRIMARY KEY,
  distribuidora  text NOT NULL,
  cnpj           text,
  reh            text NOT NULL,
  vigencia_start date NOT NULL,
  vigencia_end   date,
  base_tarifaria text NOT NULL,
  subgrupo       text NOT NULL,
  modalidade     text NOT NULL,
  classe         text,
  subclasse      text,
  detalhe        text,
  posto          text,
  unit           text NOT NULL,
  acessante      text,
  te             numeric(14, 8),
  tusd           numeric(14, 8),
  tusd_fio_b     numeric(14, 8),
  layout         text NOT NULL,
  raw_id         bigint NOT NULL,
  source_file    text NOT NULL,
  line           int NOT NULL,
  source_hash    text NOT NULL
);
CREATE UNIQUE INDEX tarifas_normalized_key ON tarifas_normalized (distribuidora, reh, vigencia_start,
  coalesce(vigencia_end, 'infinity'::date), base_tarifaria, subgrupo, modalidade, coalesce(classe, ''),
  coalesce(subclasse, ''), coalesce(detalhe, ''), coalesce(posto, ''), unit, coalesce(acessante, ''));

CREATE TABLE bandeiras (
  competencia  date PRIMARY KEY,
  name         text NOT NULL,
  add_brl_kwh  numeric(10, 6) NOT NULL,
  raw_id       bigint NOT NULL,
  source_file  text NOT NULL,
  line         int NOT NULL,
  source_hash  text NOT NULL
);

CREATE TABLE tarifas_gold (
  id             bigserial PRIMARY KEY,
  distribuidora  text NOT NULL,
  subgrupo       text NOT NULL,
  modalidade     text NOT NULL,
  classe         text,
  subclasse      text,
  posto          text,
  vigencia_start date NOT NULL,
  vigencia_end   date,
  reh            text NOT NULL,
  te_brl_kwh     numeric(14, 8) NOT NULL,
  tusd_brl_kwh   numeric(14, 8) NOT NULL,
  tusd_fio_b_brl_kwh numeric(14, 8),
  normalized_id  bigint NOT NULL,
  layout         text NOT NULL,
  source_file    text NOT NULL,
  line           int NOT NULL,
  source_hash    text NOT NULL
);
CREATE INDEX tarifas_gold_lookup ON tarifas_gold (upper(distribuidora), subgrupo, modalidade, classe);
