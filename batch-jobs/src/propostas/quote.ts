/**
 * The quote a customer's request becomes: what `ysh proposta new --file`, the CSV inbox
 * (quote-csv.ts) and the admin API accept. Validation reports every bad field at once, one line
 * each (JOBS_QUOTE_INVALID, details.errors), so a quote can be fixed in one pass.
 *
 * The location is lat/lon, or a city (with the quote's UF, or its own) that the geocoder turns
 * into lat/lon when the proposal is made (location.ts); the stored quote then carries both and
 * `location.source` says where the coordinates came from.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { JobsError } from '../errors.ts';
import { type FieldError, fieldErrors } from './field-errors.ts';
import { PVWATTS_LOSSES } from './generation.ts';

const Months12 = T.Array(T.Number({ minimum: 0 }), { minItems: 12, maxItems: 12 });
const Pct = T.Number({ minimum: 0, maximum: 1 });

export const QuoteSchema = T.Object(
  {
    id: T.Optional(T.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })),
    customer: T.Object({ name: T.String({ minLength: 1 }), class: T.Union([T.Literal('B1'), T.Literal('B3')]) }),
    distribuidora: T.String({ minLength: 2 }),
    uf: T.String({ pattern: '^[A-Z]{2}$' }),
    connection: T.Union([T.Literal('mono'), T.Literal('bi'), T.Literal('tri')]),
    /** date the access request is (or will be) filed: picks GD I / II / III */
    accessRequestDate: T.Optional(T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    /** first billing month with the system, YYYY-MM */
    startMonth: T.Optional(T.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })),
    consumption: T.Union([
      T.Object({ monthlyKwh: Months12 }),
      T.Object({ averageKwh: T.Number({ exclusiveMinimum: 0 }) }),
    ]),
    location: T.Object({
      lat: T.Optional(T.Number({ minimum: -34, maximum: 6 })),
      lon: T.Optional(T.Number({ minimum: -74, maximum: -28 })),
      city: T.Optional(T.String()),
      /** the city's UF when it is not the quote's `uf` */
      uf: T.Optional(T.String({ pattern: '^[A-Z]{2}$' })),
      /** where lat/lon came from: `quote`, or the geocoder that found the city (`nominatim`); set when the proposal is made */
      source: T.Optional(T.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,31}$' })),
    }),
    roof: T.Object({
      tiltDeg: T.Number({ minimum: 0, maximum: 90 }),
      azimuthDeg: T.Number({ minimum: 0, maximum: 360 }),
      areaM2: T.Number({ exclusiveMinimum: 0 }),
    }),
    climate: T.Optional(
      T.Object({
        recordLowC: T.Optional(T.Number({ minimum: -20, maximum: 30 })),
        recordHighC: T.Optional(T.Number({ minimum: 20, maximum: 50 })),
        ambientC: T.Optional(T.Array(T.Number({ minimum: -10, maximum: 45 }), { minItems: 12, maxItems: 12 })),
      }),
    ),
    price: T.Union([
      T.Object({ brlPerWp: T.Number({ exclusiveMinimum: 0, maximum: 50 }) }),
      T.Object({
        items: T.Array(T.Object({ description: T.String({ minLength: 1 }), brl: T.Number({ minimum: 0 }) }), {
          minItems: 1,
        }),
      }),
    ]),
    financing: T.Union([
      T.Literal('cash'),
      T.Object({
        monthlyRate: T.Number({ minimum: 0, maximum: 0.2 }),
        months: T.Integer({ minimum: 1, maximum: 240 }),
        downPaymentBrl: T.Optional(T.Number({ minimum: 0 })),
      }),
    ]),
    irradiance: T.Union([
      T.Object({ source: T.Literal('quote'), ghiKwhM2Day: Months12, label: T.String({ minLength: 1 }) }),
      T.Object({ source: T.Literal('nasa-power') }),
      T.Object({ source: T.Literal('fleet'), radiusKm: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 500 })) }),
    ]),
    /** a tariff given with the quote (else the gold tariff lookup answers) */
    tariff: T.Optional(
      T.Object({
        teBrlPerKwh: T.Number({ exclusiveMinimum: 0, maximum: 5 }),
        tusdBrlPerKwh: T.Number({ exclusiveMinimum: 0, maximum: 5 }),
        tusdFioBBrlPerKwh: T.Number({ minimum: 0, maximum: 5 }),
        icms: Pct,
        pis: Pct,
        cofins: Pct,
        label: T.String({ minLength: 1 }),
      }),
    ),
    /** bandeira addition per calendar month, R$/kWh (else the one in force, assumed all year) */
    bandeirasBrlPerKwh: T.Optional(T.Array(T.Number({ minimum: 0, maximum: 1 }), { minItems: 12, maxItems: 12 })),
    design: T.Optional(
      T.Object({
        moduleSku: T.Optional(T.String()),
        inverterSku: T.Optional(T.String()),
        layout: T.Optional(
          T.Object({
            inverterCount: T.Integer({ minimum: 1, maximum: 20 }),
            modulesPerString: T.Integer({ minimum: 1, maximum: 60 }),
            strings: T.Integer({ minimum: 1, maximum: 40 }),
          }),
        ),
      }),
    ),
    assumptions: T.Optional(
      T.Object({
        selfConsumptionShare: T.Optional(Pct),
        tariffEscalation: T.Optional(T.Number({ minimum: -0.2, maximum: 0.5 })),
        inflation: T.Optional(T.Number({ minimum: -0.2, maximum: 0.5 })),
        discountRate: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
        omShareOfCapex: T.Optional(Pct),
        inverterReplacementYear: T.Optional(T.Integer({ minimum: 1, maximum: 25 })),
        degradationFirstYear: T.Optional(Pct),
        degradationYearly: T.Optional(Pct),
        fioBAfterTransition: T.Optional(Pct),
        fioBShareOfTusd: T.Optional(Pct),
        icmsExemptCompensated: T.Optional(T.Boolean()),
        dcAcMin: T.Optional(T.Number({ minimum: 0.5, maximum: 2 })),
        dcAcMax: T.Optional(T.Number({ minimum: 0.5, maximum: 2 })),
        albedo: T.Optional(Pct),
        losses: T.Optional(
          T.Partial(
            T.Object(
              Object.fromEntries(Object.keys(PVWATTS_LOSSES).map((k) => [k, T.Number({ minimum: 0, maximum: 100 })])),
            ),
          ),
        ),
        validityDays: T.Optional(T.Integer({ minimum: 1, maximum: 365 })),
      }),
    ),
  },
  { additionalProperties: false },
);
export type Quote = Static<typeof QuoteSchema>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** lat and lon together, or a city to find them from. */
function locationErrors(location: unknown): FieldError[] {
  if (!isRecord(location)) return [];
  const hasLat = location.lat !== undefined;
  const hasLon = location.lon !== undefined;
  if (hasLat !== hasLon) {
    const [given, missing] = hasLat ? ['lat', 'lon'] : ['lon', 'lat'];
    return [{ path: `/location/${missing}`, message: `${given} sem ${missing}: informe os dois (missing)` }];
  }
  const city = typeof location.city === 'string' ? location.city.trim() : '';
  if (!hasLat && city === '')
    return [{ path: '/location', message: 'sem coordenadas: informe lat/lon ou a cidade (city) para localizá-la' }];
  return [];
}

/** Every field error of a quote, the first per field (see field-errors.ts), then the cross-field rules. */
export function quoteFieldErrors(input: unknown): FieldError[] {
  const out = fieldErrors(QuoteSchema, input);
  if (!out.some((e) => e.path.startsWith('/location')))
    out.push(...locationErrors(isRecord(input) ? input.location : undefined));
  if (out.length > 0) return out;
  const q = input as Quote;
  const err = (path: string, message: string) => out.push({ path, message });
  const a = q.assumptions;
  if (a?.dcAcMin !== undefined && a.dcAcMax !== undefined && a.dcAcMin > a.dcAcMax)
    err('/assumptions/dcAcMin', 'must not exceed dcAcMax');
  if (
    q.climate?.recordLowC !== undefined &&
    q.climate.recordHighC !== undefined &&
    q.climate.recordLowC >= q.climate.recordHighC
  )
    err('/climate/recordLowC', 'must be below recordHighC');
  if (q.tariff && q.tariff.tusdFioBBrlPerKwh > q.tariff.tusdBrlPerKwh)
    err('/tariff/tusdFioBBrlPerKwh', 'Fio B is a part of the TUSD and cannot exceed it');
  if (q.tariff && q.tariff.icms + q.tariff.pis + q.tariff.cofins >= 1)
    err('/tariff/icms', 'ICMS + PIS + COFINS must be below 100 %');
  if ('monthlyKwh' in q.consumption && q.consumption.monthlyKwh.every((v) => v === 0))
    err('/consumption/monthlyKwh', 'all twelve months are zero');
  return out;
}

const errorLine = (e: FieldError) => `${e.path || '/'}: ${e.message}`;

/** Every field error, one line each: `/consumption/monthlyKwh/3: Expected number`. */
export function quoteErrors(input: unknown): string[] {
  return quoteFieldErrors(input).map(errorLine);
}

/** The JOBS_QUOTE_INVALID error for these field errors (details.errors: one line each; details.fields: as given). */
export function invalidQuote(errors: readonly FieldError[]): JobsError {
  const lines = errors.map(errorLine);
  return new JobsError('JOBS_QUOTE_INVALID', `invalid quote:\n  ${lines.join('\n  ')}`, {
    details: { errors: lines, fields: errors },
  });
}

/** The field errors a JOBS_QUOTE_INVALID error carries. */
export function quoteErrorFields(err: JobsError): FieldError[] {
  return [...((err.details?.fields as readonly FieldError[] | undefined) ?? [{ path: '', message: err.message }])];
}

export function parseQuote(input: unknown): Quote {
  const errors = quoteFieldErrors(input);
  if (errors.length > 0) throw invalidQuote(errors);
  return input as Quote;
}

export function monthlyConsumption(q: Quote): number[] {
  return 'monthlyKwh' in q.consumption ? [...q.consumption.monthlyKwh] : Array(12).fill(q.consumption.averageKwh);
}

/** The quote's coordinates; a quote still without them (its city not yet located) is a field error on `location`. */
export function quoteCoordinates(q: Quote): { lat: number; lon: number } {
  const { lat, lon } = q.location;
  if (lat === undefined || lon === undefined)
    throw invalidQuote([
      { path: '/location', message: 'sem coordenadas: a cidade ainda não foi localizada; informe lat/lon' },
    ]);
  return { lat, lon };
}
