-- Propostas (batch-jobs/src/propostas): each proposal with its quote, the full computed result
-- (every assumption, the catalog/tariff versions it used) and the figures the analytics read.
-- A proposal becomes 'accepted' and linked to the monitored site that realises it; then
-- proposal_vs_actual compares its monthly estimate with the energy measured there.
CREATE TABLE propostas (
  id                text PRIMARY KEY,
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected', 'expired')),
  origin            text NOT NULL DEFAULT 'cli',
  customer_class    text NOT NULL CHECK (customer_class IN ('B1', 'B3')),
  distribuidora     text NOT NULL,
  uf                text NOT NULL,
  quote             jsonb NOT NULL,
  result            jsonb NOT NULL,
  dc_kwp            double precision NOT NULL,
  annual_kwh        double precision NOT NULL,
  capex_brl         numeric(14, 2) NOT NULL,
  irr               double precision,
  npv_brl           numeric(14, 2) NOT NULL,
  payback_years     double precision,
  lcoe_brl_per_kwh  double precision NOT NULL,
  regime            text NOT NULL,
  irradiance_source text NOT NULL,
  model_version     text NOT NULL,
  catalog_version   text NOT NULL,
  tariff_version    text NOT NULL,
  site_id           text REFERENCES sites(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  computed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX propostas_by_distribuidora ON propostas (distribuidora, customer_class);
CREATE INDEX propostas_by_site ON propostas (site_id) WHERE site_id IS NOT NULL;

-- kpis_b1_b3 (gold): per distribuidora and class.
CREATE TABLE propostas_kpis (
  distribuidora      text NOT NULL,
  customer_class     text NOT NULL,
  proposals          integer NOT NULL,
  total_kwp          double precision NOT NULL,
  median_payback     double precision,
  irr_p10            double precision,
  irr_p50            double precision,
  irr_p90            double precision,
  no_irr             integer NOT NULL,
  PRIMARY KEY (distribuidora, customer_class)
);

-- proposal_vs_actual (gold): measured monthly energy of the linked site against the estimate.
CREATE TABLE proposal_vs_actual (
  proposal_id   text NOT NULL REFERENCES propostas(id) ON DELETE CASCADE,
  month         date NOT NULL,
  site_id       text NOT NULL,
  estimated_kwh double precision NOT NULL,
  measured_kwh  double precision NOT NULL,
  ratio         double precision NOT NULL,
  below         boolean NOT NULL,
  PRIMARY KEY (proposal_id, month)
);
