-- What each polled device said about itself (SunSpec model 1: manufacturer, model, serial,
-- version, options), as the site's agent last reported it in a heartbeat: device id -> identity.
ALTER TABLE agent_heartbeats ADD COLUMN identities jsonb NOT NULL DEFAULT '{}'::jsonb;
