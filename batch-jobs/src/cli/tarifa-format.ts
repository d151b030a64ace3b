import type { TariffQuote } from '../tarifas/tariff-quote.ts';

const brl = (v: number, digits = 6) => `R$ ${v.toFixed(digits)}`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/** The breakdown `ysh tarifa` prints: each component, the gross-up, and where the numbers came from. */
export function formatQuote(q: TariffQuote): string {
  const net = q.teBrlPerKwh + q.tusdBrlPerKwh + (q.bandeira?.addBrlPerKwh ?? 0);
  const share = q.taxes.icms + q.taxes.pis + q.taxes.cofins;
  const lines = [
    `${q.distribuidora} ${q.subgrupo} ${q.modalidade} ${q.classe} on ${q.date}`,
    `  vigência        ${q.vigenciaStart} .. ${q.vigenciaEnd ?? '(open)'}`,
    `  TE              ${brl(q.teBrlPerKwh)} /kWh`,
    `  TUSD            ${brl(q.tusdBrlPerKwh)} /kWh${
      q.tusdFioBBrlPerKwh === null ? '' : `   (of which Fio B ${brl(q.tusdFioBBrlPerKwh)}, source's derivation)`
    }`,
    q.bandeira
      ? `  bandeira        ${brl(q.bandeira.addBrlPerKwh)} /kWh   (${q.bandeira.name}, ${q.bandeira.competencia})`
      : `  bandeira        none published for ${q.date.slice(0, 7)}`,
    `  net             ${brl(net)} /kWh`,
    `  taxes (${q.taxes.uf})      ICMS ${pct(q.taxes.icms)} + PIS ${pct(q.taxes.pis)} + COFINS ${pct(q.taxes.cofins)} = ${pct(share)} (por dentro)`,
    `  all-in          ${brl(q.allInBrlPerKwh)} /kWh   = net / (1 - ${share.toFixed(4)})   100 kWh = R$ ${(
      q.allInBrlPerKwh * 100
    ).toFixed(2)}`,
    `  source          ${q.provenance.reh}`,
    `                  ${q.provenance.file} line ${q.provenance.line} (sha256 ${q.provenance.sourceHash.slice(0, 12)}…)`,
  ];
  return lines.join('\n');
}
