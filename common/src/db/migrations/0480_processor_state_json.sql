-- The processor's mergeable window state and device checkpoints are stored as the JSON text it
-- writes (`json`), not parsed into `jsonb`: jsonb turns every number into a numeric, which cost
-- PostgreSQL about 40 % of each checkpoint's time (a window's state holds some forty doubles).
-- Nothing queries inside these documents but the upsert's `state->>'cf'`, which `json` answers
-- as well; readers get the same objects back.
ALTER TABLE window_results ALTER COLUMN state TYPE json USING state::json;
ALTER TABLE processor_devices ALTER COLUMN state TYPE json USING state::json;

-- Readings in a throttled (derating) state, beside the fault count: with it a window's result is
-- whole in its columns, and peer rules read those instead of parsing every device's state.
ALTER TABLE window_results ADD COLUMN throttled_samples integer NOT NULL DEFAULT 0;
UPDATE window_results SET throttled_samples = (state->>'t')::integer WHERE (state->>'t')::integer <> 0;
