import {
  deserializeWindow,
  STAT_FIELDS,
  storedWindow,
  type WindowAcc,
  type WindowResult,
} from '../aggregates/window-aggregate.ts';
import type { Queryable } from './queryable.ts';
import { tsToMs } from './queryable.ts';

export interface StoredResult {
  result: WindowResult;
  acc: WindowAcc;
}

const STAT_COLUMNS = STAT_FIELDS.flatMap((f) =>
  (['mean', 'min', 'max', 'stddev'] as const).map((s) => `${f}_${s}` as const),
);

type StatColumns = { [C in (typeof STAT_COLUMNS)[number]]: number | null };

/**
 * One window result row, with its keys written out so every row has the same shape: `JSON.stringify` of a
 * whole checkpoint's rows then takes its fast path and writes one flat text. The compiler holds the
 * statistics keys to `STAT_COLUMNS`, and the results-store test the whole row to the columns it stands for.
 */
function resultRow(r: WindowResult, acc: WindowAcc) {
  const { ac_power_w: ac, dc_power_w: dc, temperature_c: temp, ac_voltage_v: acv, dc_voltage_v: dcv } = r.stats;
  return {
    device: r.device,
    site: r.site,
    ws: r.windowStart,
    we: r.windowEnd,
    revision: r.revision,
    samples: r.samples,
    expected: r.expected,
    availability: r.availability,
    energy_wh: r.energyWh,
    counter_resets: r.counterResets,
    mppt_power_w: r.mpptPower,
    fault_samples: r.faultSamples,
    throttled_samples: r.throttledSamples,
    events_mask: r.eventsMask,
    last_state: r.lastState,
    // No sample of a statistic: its four columns are null.
    ac_power_w_mean: ac?.mean ?? null,
    ac_power_w_min: ac?.min ?? null,
    ac_power_w_max: ac?.max ?? null,
    ac_power_w_stddev: ac?.stddev ?? null,
    dc_power_w_mean: dc?.mean ?? null,
    dc_power_w_min: dc?.min ?? null,
    dc_power_w_max: dc?.max ?? null,
    dc_power_w_stddev: dc?.stddev ?? null,
    temperature_c_mean: temp?.mean ?? null,
    temperature_c_min: temp?.min ?? null,
    temperature_c_max: temp?.max ?? null,
    temperature_c_stddev: temp?.stddev ?? null,
    ac_voltage_v_mean: acv?.mean ?? null,
    ac_voltage_v_min: acv?.min ?? null,
    ac_voltage_v_max: acv?.max ?? null,
    ac_voltage_v_stddev: acv?.stddev ?? null,
    dc_voltage_v_mean: dcv?.mean ?? null,
    dc_voltage_v_min: dcv?.min ?? null,
    dc_voltage_v_max: dcv?.max ?? null,
    dc_voltage_v_stddev: dcv?.stddev ?? null,
    state: storedWindow(acc),
  } satisfies StatColumns & Record<string, unknown>;
}

/**
 * The rows of window results as one JSON text, built at once (so later
 * changes to the in-memory windows cannot leak into a checkpoint being
 * written). Only the last revision of each window is kept.
 */
export function resultRowsJson(items: StoredResult[]): string | undefined {
  if (items.length === 0) return undefined;
  const latest = new Map<string, StoredResult>();
  for (const it of items) latest.set(`${it.result.device}@${it.result.windowStart}`, it);
  const rows: ReturnType<typeof resultRow>[] = [];
  for (const { result, acc } of latest.values()) rows.push(resultRow(result, acc));
  return JSON.stringify(rows);
}

/**
 * Upserts window result rows (from `resultRowsJson`) in one statement; a replay never moves a window back.
 * A window's state only grows along the partition's offsets (more readings, a later carried-energy start),
 * so the state that is further along wins and an equal one changes nothing. Revision numbers cannot decide
 * it: after a restart the replay counts them again from the checkpoint, and a window revised once per late
 * reading before the restart may come back complete at a lower number. The stored revision still only grows.
 */
export async function upsertResultRows(db: Queryable, rowsJson: string | undefined): Promise<void> {
  if (rowsJson === undefined) return;
  const statDecl = STAT_COLUMNS.map((c) => `${c} double precision`).join(', ');
  const cols = [
    'device',
    'site',
    'window_start',
    'window_end',
    'revision',
    'samples',
    'expected',
    'availability',
    'energy_wh',
    'counter_resets',
    ...STAT_COLUMNS,
    'mppt_power_w',
    'fault_samples',
    'throttled_samples',
    'events_mask',
    'last_state',
    'state',
  ];
  const select = cols
    .map((c) =>
      c === 'window_start'
        ? 'to_timestamp(x.ws / 1000.0)'
        : c === 'window_end'
          ? 'to_timestamp(x.we / 1000.0)'
          : `x.${c}`,
    )
    .join(', ');
  const updates = cols
    .filter((c) => c !== 'device' && c !== 'window_start' && c !== 'revision')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  const progress = (t: string) => `(${t}.samples, coalesce((${t}.state->>'cf')::double precision, '-Infinity'))`;
  await db.query(
    `INSERT INTO window_results (${cols.join(', ')})
     SELECT ${select}
     FROM json_to_recordset($1::json) AS x(device text, site text, ws double precision, we double precision,
       revision integer, samples integer, expected integer, availability double precision, energy_wh double precision,
       counter_resets integer, ${statDecl}, mppt_power_w jsonb, fault_samples integer, throttled_samples integer, events_mask bigint,
       last_state integer, state json)
     ON CONFLICT (device, window_start) DO UPDATE
       SET ${updates}, revision = greatest(window_results.revision + 1, EXCLUDED.revision), updated_at = now()
     WHERE ${progress('EXCLUDED')} > ${progress('window_results')}`,
    [rowsJson],
  );
}

/** Stored mergeable state of the given windows (for late readings older than the in-memory cache). */
export async function loadWindowStates(
  db: Queryable,
  keys: { device: string; windowStart: number }[],
): Promise<Map<string, WindowAcc>> {
  const out = new Map<string, WindowAcc>();
  if (keys.length === 0) return out;
  const { rows } = await db.query<{ device: string; window_start: Date; state: object }>(
    `SELECT w.device, w.window_start, w.state
     FROM window_results w
     JOIN jsonb_to_recordset($1::jsonb) AS k(device text, ws double precision)
       ON w.device = k.device AND w.window_start = to_timestamp(k.ws / 1000.0)`,
    [JSON.stringify(keys.map((k) => ({ device: k.device, ws: k.windowStart })))],
  );
  for (const r of rows) out.set(`${r.device}@${tsToMs(r.window_start)}`, deserializeWindow(r.state));
  return out;
}

export interface ResultRow {
  device: string;
  site: string;
  windowStart: number;
  revision: number;
  samples: number;
  energyWh: number | null;
  acPowerMean: number | null;
}

/** Window results of a site window (peer rules) or of everything (tests, reconciliation). */
export async function listResults(
  db: Queryable,
  where: { site?: string; windowStart?: number } = {},
): Promise<ResultRow[]> {
  const params: unknown[] = [];
  const conds: string[] = [];
  if (where.site !== undefined) {
    params.push(where.site);
    conds.push(`site = $${params.length}`);
  }
  if (where.windowStart !== undefined) {
    params.push(where.windowStart / 1000);
    conds.push(`window_start = to_timestamp($${params.length})`);
  }
  const { rows } = await db.query<{
    device: string;
    site: string;
    window_start: Date;
    revision: number;
    samples: number;
    energy_wh: number | null;
    ac_power_w_mean: number | null;
  }>(
    `SELECT device, site, window_start, revision, samples, energy_wh, ac_power_w_mean FROM window_results
     ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY device, window_start`,
    params,
  );
  return rows.map((r) => ({
    device: r.device,
    site: r.site,
    windowStart: tsToMs(r.window_start) as number,
    revision: r.revision,
    samples: r.samples,
    energyWh: r.energy_wh,
    acPowerMean: r.ac_power_w_mean,
  }));
}

export interface SiteWindowRow {
  result: WindowResult;
  /** Nameplate DC power from the device registry, when recorded. */
  nameplateWp: number | undefined;
}

/** Key of a site window in the maps below and in the site judge. */
export const siteWindowKey = (site: string, windowStart: number): string => `${site}@${windowStart}`;

/** The given site windows as a table `k(site, ws)` to join `window_results` on, and its parameter. */
const SITE_WINDOWS_JOIN = `jsonb_to_recordset($1::jsonb) AS k(site text, ws double precision)
     JOIN window_results w ON w.site = k.site AND w.window_start = to_timestamp(k.ws / 1000.0)`;
const siteWindowsParam = (keys: { site: string; windowStart: number }[]): string =>
  JSON.stringify(keys.map((k) => ({ site: k.site, ws: k.windowStart })));

/** Rows grouped by their site window (`ws` as the query returns it), in row order. */
function bySiteWindow<R extends { site: string; ws: number }, T>(rows: R[], item: (row: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const key = siteWindowKey(r.site, Number(r.ws));
    const list = out.get(key);
    if (list) list.push(item(r));
    else out.set(key, [item(r)]);
  }
  return out;
}

/** The devices with a stored result in each of the given site windows; keyed `site@windowStart`. */
export async function listSiteWindowDevices(
  db: Queryable,
  keys: { site: string; windowStart: number }[],
): Promise<Map<string, string[]>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ site: string; ws: number; device: string }>(
    `SELECT w.site, k.ws, w.device FROM ${SITE_WINDOWS_JOIN}`,
    [siteWindowsParam(keys)],
  );
  return bySiteWindow(rows, (r) => r.device);
}

/**
 * Every device's stored result of the given site windows, read from its columns (not from the mergeable
 * state), with the registry nameplate; keyed `site@windowStart`, devices in order.
 */
export async function loadSiteWindows(
  db: Queryable,
  keys: { site: string; windowStart: number }[],
): Promise<Map<string, SiteWindowRow[]>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<
    {
      site: string;
      device: string;
      ws: number;
      we: number;
      revision: number;
      samples: number;
      expected: number;
      availability: number;
      energy_wh: number | null;
      counter_resets: number;
      mppt_power_w: Record<string, number>;
      fault_samples: number;
      throttled_samples: number;
      events_mask: string;
      last_state: number | null;
      nameplate_dc_wp: number | null;
    } & StatColumns
  >(
    `SELECT w.site, w.device, k.ws, extract(epoch FROM w.window_end) * 1000 AS we, w.revision, w.samples, w.expected,
       w.availability, w.energy_wh, w.counter_resets, ${STAT_COLUMNS.map((c) => `w.${c}`).join(', ')}, w.mppt_power_w,
       w.fault_samples, w.throttled_samples, w.events_mask, w.last_state, d.nameplate_dc_wp
     FROM ${SITE_WINDOWS_JOIN}
     LEFT JOIN devices d ON d.id = w.device
     ORDER BY w.device`,
    [siteWindowsParam(keys)],
  );
  return bySiteWindow(rows, (r) => {
    const stats = {} as WindowResult['stats'];
    for (const f of STAT_FIELDS) {
      const mean = r[`${f}_mean`];
      stats[f] =
        mean === null
          ? null
          : {
              mean,
              min: r[`${f}_min`] as number,
              max: r[`${f}_max`] as number,
              stddev: r[`${f}_stddev`] as number,
            };
    }
    const result: WindowResult = {
      site: r.site,
      device: r.device,
      windowStart: Number(r.ws),
      windowEnd: Number(r.we),
      revision: r.revision,
      samples: r.samples,
      expected: r.expected,
      availability: r.availability,
      stats,
      energyWh: r.energy_wh,
      counterResets: r.counter_resets,
      mpptPower: r.mppt_power_w,
      faultSamples: r.fault_samples,
      throttledSamples: r.throttled_samples,
      eventsMask: Number(r.events_mask),
      lastState: r.last_state,
    };
    return { result, nameplateWp: r.nameplate_dc_wp ?? undefined };
  });
}
