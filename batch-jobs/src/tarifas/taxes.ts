import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { JobsError } from '../errors.ts';

/**
 * Taxes of the all-in tariff, grossed up "por dentro": price = (TE + TUSD + bandeira) /
 * (1 − ICMS − PIS − COFINS). ICMS is set per state (UF) and may be overridden per distribuidora;
 * PIS/COFINS are effective monthly rates each distribuidora publishes on its bills (the nominal
 * 1.65 %/7.6 % less credits), so the defaults below are typical values, not any month's.
 * Override with YSH_TARIFA_TAXES (README "Tarifas: taxes").
 */
export const TaxTableSchema = Type.Object(
  {
    pis: Type.Number({ minimum: 0, maximum: 0.5 }),
    cofins: Type.Number({ minimum: 0, maximum: 0.5 }),
    /** ICMS on residential energy per UF (fraction) */
    icmsByUf: Type.Record(Type.String({ pattern: '^[A-Z]{2}$' }), Type.Number({ minimum: 0, maximum: 0.5 })),
    /** per distribuidora (as ANEEL spells SigAgente, case-insensitive): its UF and any rate that differs */
    byDistribuidora: Type.Record(
      Type.String(),
      Type.Object(
        {
          uf: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          icms: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
          pis: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
          cofins: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TaxTable = Static<typeof TaxTableSchema>;

const uf = (u: string, names: string[]) => Object.fromEntries(names.map((n) => [n, { uf: u }]));

/** Documented defaults: modal ICMS rates on residential energy per UF (after LC 194/2022) and typical PIS/COFINS. */
export const DEFAULT_TAXES: TaxTable = {
  pis: 0.011,
  cofins: 0.0508,
  icmsByUf: {
    AC: 0.19,
    AL: 0.19,
    AM: 0.2,
    AP: 0.18,
    BA: 0.205,
    CE: 0.2,
    DF: 0.2,
    ES: 0.17,
    GO: 0.19,
    MA: 0.22,
    MG: 0.18,
    MS: 0.17,
    MT: 0.17,
    PA: 0.19,
    PB: 0.2,
    PE: 0.205,
    PI: 0.21,
    PR: 0.195,
    RJ: 0.2,
    RN: 0.18,
    RO: 0.195,
    RR: 0.2,
    RS: 0.17,
    SC: 0.17,
    SE: 0.19,
    SP: 0.18,
    TO: 0.2,
  },
  byDistribuidora: {
    ...uf('MG', ['CEMIG-D', 'DMED', 'EMG']),
    ...uf('SP', [
      'ELETROPAULO',
      'ENEL SP',
      'CPFL-PAULISTA',
      'CPFL- PIRATININGA',
      'CPFL Santa Cruz',
      'CPFL Leste Paulista',
      'CPFL Mococa',
      'CPFL Sul Paulista',
      'EDP SP',
      'ELEKTRO',
    ]),
    ...uf('RJ', ['LIGHT', 'ENEL RJ', 'ENF']),
    ...uf('PR', ['COPEL-DIS', 'CELETRO', 'CERAL ARAPOTI']),
    ...uf('SC', ['CELESC-DIS']),
    ...uf('RS', ['CEEE-D', 'RGE', 'RGE SUL']),
    ...uf('BA', ['COELBA']),
    ...uf('PE', ['CELPE']),
    ...uf('RN', ['COSERN']),
    ...uf('CE', ['ENEL CE']),
    ...uf('PB', ['EPB']),
    ...uf('SE', ['ESE', 'SULGIPE']),
    ...uf('ES', ['EDP ES', 'ESS']),
    ...uf('GO', ['CELG-D', 'EQUATORIAL GO']),
    ...uf('DF', ['CEB', 'CEBDIS', 'NEOENERGIA DF']),
    ...uf('MS', ['EMS']),
    ...uf('MT', ['EMT']),
    ...uf('TO', ['ETO']),
    ...uf('PA', ['Equatorial PA']),
    ...uf('MA', ['Equatorial MA']),
    ...uf('PI', ['Equatorial PI']),
    ...uf('AL', ['Equatorial AL']),
    ...uf('AM', ['AME']),
    ...uf('RR', ['Boa Vista', 'RORAIMA ENERGIA']),
    ...uf('AP', ['CEA']),
    ...uf('AC', ['ELETROACRE', 'ENERGISA AC']),
    ...uf('RO', ['CERON', 'ENERGISA RO']),
  },
};

/** Defaults with an override on top (per-UF and per-distribuidora entries merged key by key). */
export function mergeTaxTable(override: unknown): TaxTable {
  const partial = Type.Partial(TaxTableSchema);
  if (!Value.Check(partial, override)) {
    const first = [...Value.Errors(partial, override)][0];
    throw new JobsError(
      'JOBS_TARIFF_QUERY_INVALID',
      `tax table: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'} (see README "Tarifas: taxes")`,
    );
  }
  const o = override as Partial<TaxTable>;
  return {
    pis: o.pis ?? DEFAULT_TAXES.pis,
    cofins: o.cofins ?? DEFAULT_TAXES.cofins,
    icmsByUf: { ...DEFAULT_TAXES.icmsByUf, ...o.icmsByUf },
    byDistribuidora: { ...DEFAULT_TAXES.byDistribuidora, ...o.byDistribuidora },
  };
}

export interface Taxes {
  uf: string;
  icms: number;
  pis: number;
  cofins: number;
}

/** The rates for a distribuidora; unknown UF or ICMS is an error naming what to configure. */
export function taxesFor(distribuidora: string, table: TaxTable = DEFAULT_TAXES): Taxes {
  const entry = Object.entries(table.byDistribuidora).find(
    ([k]) => k.toUpperCase() === distribuidora.toUpperCase(),
  )?.[1];
  const u = entry?.uf;
  const icms = entry?.icms ?? (u ? table.icmsByUf[u] : undefined);
  if (!u || icms === undefined)
    throw new JobsError(
      'JOBS_TARIFF_TAXES_UNKNOWN',
      `no ${u ? `ICMS rate for UF ${u}` : 'UF'} known for distribuidora "${distribuidora}": set it in YSH_TARIFA_TAXES, e.g. {"byDistribuidora":{"${distribuidora}":{"uf":"XX","icms":0.18}}}`,
    );
  return { uf: u, icms, pis: entry?.pis ?? table.pis, cofins: entry?.cofins ?? table.cofins };
}

/** (TE + TUSD + bandeira) / (1 − ICMS − PIS − COFINS). */
export function grossUp(netBrlPerKwh: number, t: Pick<Taxes, 'icms' | 'pis' | 'cofins'>): number {
  const share = t.icms + t.pis + t.cofins;
  if (!(share >= 0 && share < 1))
    throw new JobsError('JOBS_TARIFF_QUERY_INVALID', `taxes add up to ${share}, must be below 1`);
  return netBrlPerKwh / (1 - share);
}
