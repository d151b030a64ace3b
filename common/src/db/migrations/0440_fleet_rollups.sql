-- Rollups of window_results for the fleet overview (GET /v1/fleet), kept by statement-level
-- triggers in the same transaction as the processor's writes: a 1,000-site overview reads one
-- row per site and per device instead of every window since midnight.
--   site_day_totals: per site and local day (the site's time zone; UTC for an unknown site) the
--     energy, the sum of availabilities and the number of windows. A revised window adds its
--     difference. A site's later time-zone change does not move past days.
--   device_latest: each device's newest window (mean AC power, end).
CREATE TABLE site_day_totals (
  site              text NOT NULL,
  day               date NOT NULL,
  energy_wh         double precision NOT NULL DEFAULT 0,
  availability_sum  double precision NOT NULL DEFAULT 0,
  windows           integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site, day)
);

CREATE TABLE device_latest (
  device           text PRIMARY KEY,
  site             text NOT NULL,
  window_start     timestamptz NOT NULL,
  window_end       timestamptz NOT NULL,
  ac_power_w_mean  double precision
);
CREATE INDEX device_latest_by_site ON device_latest (site);

-- One function for both statements: an INSERT adds whole windows, an UPDATE (a revised window)
-- adds the difference to the same day; either may bring a device a newer window.
CREATE FUNCTION window_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO site_day_totals (site, day, energy_wh, availability_sum, windows)
    SELECT n.site, (n.window_start AT TIME ZONE coalesce(s.timezone, 'UTC'))::date,
           sum(coalesce(n.energy_wh, 0)), sum(n.availability), count(*)
      FROM new_rows n LEFT JOIN sites s ON s.id = n.site
     GROUP BY 1, 2
    ON CONFLICT (site, day) DO UPDATE SET energy_wh = site_day_totals.energy_wh + EXCLUDED.energy_wh,
      availability_sum = site_day_totals.availability_sum + EXCLUDED.availability_sum,
      windows = site_day_totals.windows + EXCLUDED.windows;
  ELSE
    INSERT INTO site_day_totals (site, day, energy_wh, availability_sum, windows)
    SELECT n.site, (n.window_start AT TIME ZONE coalesce(s.timezone, 'UTC'))::date,
           sum(coalesce(n.energy_wh, 0) - coalesce(o.energy_wh, 0)), sum(n.availability - o.availability), 0
      FROM new_rows n JOIN old_rows o ON o.device = n.device AND o.window_start = n.window_start
      LEFT JOIN sites s ON s.id = n.site
     GROUP BY 1, 2
    ON CONFLICT (site, day) DO UPDATE SET energy_wh = site_day_totals.energy_wh + EXCLUDED.energy_wh,
      availability_sum = site_day_totals.availability_sum + EXCLUDED.availability_sum;
  END IF;
  INSERT INTO device_latest (device, site, window_start, window_end, ac_power_w_mean)
  SELECT DISTINCT ON (n.device) n.device, n.site, n.window_start, n.window_end, n.ac_power_w_mean
    FROM new_rows n ORDER BY n.device, n.window_start DESC
  ON CONFLICT (device) DO UPDATE SET site = EXCLUDED.site, window_start = EXCLUDED.window_start,
    window_end = EXCLUDED.window_end, ac_power_w_mean = EXCLUDED.ac_power_w_mean
    WHERE device_latest.window_start <= EXCLUDED.window_start;
  RETURN NULL;
END $$;

CREATE FUNCTION window_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE site_day_totals, device_latest;
  RETURN NULL;
END $$;

CREATE TRIGGER window_results_rollups_insert AFTER INSERT ON window_results
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION window_rollups();
CREATE TRIGGER window_results_rollups_update AFTER UPDATE ON window_results
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION window_rollups();
CREATE TRIGGER window_results_rollups_truncate AFTER TRUNCATE ON window_results
  FOR EACH STATEMENT EXECUTE FUNCTION window_rollups_truncate();

-- What is already there.
INSERT INTO site_day_totals (site, day, energy_wh, availability_sum, windows)
SELECT w.site, (w.window_start AT TIME ZONE coalesce(s.timezone, 'UTC'))::date,
       sum(coalesce(w.energy_wh, 0)), sum(w.availability), count(*)
  FROM window_results w LEFT JOIN sites s ON s.id = w.site
 GROUP BY 1, 2;
INSERT INTO device_latest (device, site, window_start, window_end, ac_power_w_mean)
SELECT DISTINCT ON (device) device, site, window_start, window_end, ac_power_w_mean
  FROM window_results ORDER BY device, window_start DESC;
