import { describe, expect, it } from 'vitest';
import { type BillMonthInput, type BillingRules, fioBShare, regimeFor, simulateBills } from './lei-14300.ts';

/**
 * Hand-worked B1 bills. Tariff (given, not looked up): TE 0.30, TUSD 0.45 (of which Fio B 0.25)
 * R$/kWh; ICMS 17 %, PIS 1 %, COFINS 5 % → taxes "por dentro" divide by 1 - 0.23 = 0.77.
 * Bandeira amarela +0.01885 R$/kWh in May–Aug, verde otherwise. Billing year 2026 → Fio B share
 * 60 % (Art. 27), so each compensated kWh pays 0.60 × 0.25 = 0.15 R$ before taxes.
 * Monofásico → custo de disponibilidade 30 kWh.
 */
const tariff = {
  teBrlPerKwh: 0.3,
  tusdBrlPerKwh: 0.45,
  tusdFioBBrlPerKwh: 0.25,
  taxes: { icms: 0.17, pis: 0.01, cofins: 0.05 },
};
const AMARELA = 0.01885;
const gd2: BillingRules = {
  connection: 'mono',
  regime: regimeFor('2025-03-10'),
  selfConsumptionShare: 0,
  icmsExemptCompensated: true,
  fioBAfterTransition: 1,
  creditLifetimeMonths: 60,
};
const consumption = [400, 380, 280, 280, 280, 280, 280, 280, 280, 280, 280, 420];
const generation = [350, 320, 300, 260, 220, 180, 190, 230, 260, 300, 330, 360];
const months: BillMonthInput[] = consumption.map((c, i) => ({
  month: `2026-${String(i + 1).padStart(2, '0')}`,
  consumptionKwh: c,
  generationKwh: generation[i] as number,
  bandeiraBrlPerKwh: i >= 4 && i <= 7 ? AMARELA : 0,
  tariff,
}));

describe('Lei 14.300 bill, hand-worked B1 year (GD II, 2026)', () => {
  // month: credits before → compensated (limited to consumption − 30), billed kWh, bill
  const worked = [
    // Jan: bank 0+350, need 370 → comp 350, bank 0, billed 50: (50·0.75 + 350·0.15)/0.77 = 90/0.77
    { comp: 350, billed: 50, bank: 0, bill: 116.88, arithmetic: (50 * 0.75 + 350 * 0.15) / 0.77 },
    // Feb: bank 0+320, need 350 → comp 320, billed 60: (45 + 48)/0.77
    { comp: 320, billed: 60, bank: 0, bill: 120.78, arithmetic: (60 * 0.75 + 320 * 0.15) / 0.77 },
    // Mar: bank 300, need 250 → comp 250, bank 50, billed 30 (floor): (22.5 + 37.5)/0.77
    { comp: 250, billed: 30, bank: 50, bill: 77.92, arithmetic: (30 * 0.75 + 250 * 0.15) / 0.77 },
    // Apr: bank 50+260 → comp 250, bank 60
    { comp: 250, billed: 30, bank: 60, bill: 77.92, arithmetic: (30 * 0.75 + 250 * 0.15) / 0.77 },
    // May (amarela): bank 60+220 → comp 250, bank 30: (30·0.76885 + 37.5)/0.77
    { comp: 250, billed: 30, bank: 30, bill: 78.66, arithmetic: (30 * 0.76885 + 250 * 0.15) / 0.77 },
    // Jun (amarela): bank 30+180 = 210 < 250 → comp 210, bank 0, billed 70
    { comp: 210, billed: 70, bank: 0, bill: 110.8, arithmetic: (70 * 0.76885 + 210 * 0.15) / 0.77 },
    // Jul (amarela): bank 190 → comp 190, billed 90
    { comp: 190, billed: 90, bank: 0, bill: 126.88, arithmetic: (90 * 0.76885 + 190 * 0.15) / 0.77 },
    // Aug (amarela): bank 230 → comp 230, billed 50
    { comp: 230, billed: 50, bank: 0, bill: 94.73, arithmetic: (50 * 0.76885 + 230 * 0.15) / 0.77 },
    // Sep: bank 260 → comp 250, bank 10
    { comp: 250, billed: 30, bank: 10, bill: 77.92, arithmetic: (30 * 0.75 + 250 * 0.15) / 0.77 },
    // Oct: bank 10+300 → comp 250, bank 60
    { comp: 250, billed: 30, bank: 60, bill: 77.92, arithmetic: (30 * 0.75 + 250 * 0.15) / 0.77 },
    // Nov: bank 60+330 → comp 250, bank 140
    { comp: 250, billed: 30, bank: 140, bill: 77.92, arithmetic: (30 * 0.75 + 250 * 0.15) / 0.77 },
    // Dec: consumption 420, need 390; bank 140+360 = 500 → comp 390, bank 110
    { comp: 390, billed: 30, bank: 110, bill: 105.19, arithmetic: (30 * 0.75 + 390 * 0.15) / 0.77 },
  ];
  const bills = simulateBills(months, gd2);

  it.each(worked.map((w, i) => [months[i]?.month, i, w]))('%s', (_m, i, w) => {
    const b = bills[i as number];
    expect(b?.fioBShare).toBe(0.6);
    expect(b?.compensatedKwh).toBeCloseTo(w.comp, 9);
    expect(b?.billedKwh).toBeCloseTo(w.billed, 9);
    expect(b?.creditBalanceKwh).toBeCloseTo(w.bank, 9);
    expect(b?.billAfterBrl).toBe(w.bill);
    expect(Math.round(w.arithmetic * 100) / 100).toBe(w.bill);
  });

  it('the year: after-solar total and the bill before solar to the centavo', () => {
    const after = bills.reduce((a, b) => a + b.billAfterBrl, 0);
    expect(Math.round(after * 100)).toBe(Math.round(worked.reduce((a, w) => a + w.bill, 0) * 100));
    // before: Jan 400·0.75/0.77 = 389.61; May 280·0.76885/0.77 = 279.58; Dec 420·0.75/0.77 = 409.09
    expect(bills[0]?.billBeforeBrl).toBe(389.61);
    expect(bills[4]?.billBeforeBrl).toBe(279.58);
    expect(bills[11]?.billBeforeBrl).toBe(409.09);
  });
});

describe('Lei 14.300 rules', () => {
  it('floor: generation above consumption bills the 30 kWh disponibilidade and banks the rest', () => {
    // C 200, G 500: need 170 → comp 170, bank 330, billed 30: (22.5 + 170·0.15)/0.77 = 48/0.77 = 62.34
    const [b] = simulateBills(
      [{ month: '2026-03', consumptionKwh: 200, generationKwh: 500, bandeiraBrlPerKwh: 0, tariff }],
      gd2,
    );
    expect(b?.compensatedKwh).toBe(170);
    expect(b?.billedKwh).toBe(30);
    expect(b?.creditBalanceKwh).toBe(330);
    expect(b?.billAfterBrl).toBe(62.34);
  });

  it('floor: a trifásico unit consuming less than 100 kWh pays 100 kWh with or without solar', () => {
    const [b] = simulateBills(
      [{ month: '2026-03', consumptionKwh: 80, generationKwh: 0, bandeiraBrlPerKwh: 0, tariff }],
      { ...gd2, connection: 'tri' },
    );
    expect(b?.billedKwh).toBe(100);
    expect(b?.billAfterBrl).toBe(97.4); // 100·0.75/0.77 = 97.402
    expect(b?.billBeforeBrl).toBe(97.4);
  });

  it('GD I (request before 07/01/2023) pays no Fio B on compensated energy', () => {
    const rules = { ...gd2, regime: regimeFor('2022-10-01') };
    expect(rules.regime.regime).toBe('GD I');
    const [b] = simulateBills(months.slice(0, 1), rules);
    // Jan as above without the Fio B part: 50·0.75/0.77 = 48.70
    expect(b?.fioBShare).toBe(0);
    expect(b?.fioBBrl).toBe(0);
    expect(b?.billAfterBrl).toBe(48.7);
  });

  it('self-consumed energy never enters the credit system and pays no Fio B', () => {
    // G 400, 30 % self-consumed: self 120, injected 280, grid 180, need 150 → comp 150, bank 130
    // bill (30·0.75 + 150·0.15)/0.77 = 45/0.77 = 58.44
    const [b] = simulateBills(
      [{ month: '2026-03', consumptionKwh: 300, generationKwh: 400, bandeiraBrlPerKwh: 0, tariff }],
      { ...gd2, selfConsumptionShare: 0.3 },
    );
    expect(b?.selfConsumedKwh).toBeCloseTo(120, 9);
    expect(b?.compensatedKwh).toBeCloseTo(150, 9);
    expect(b?.creditBalanceKwh).toBeCloseTo(130, 9);
    expect(b?.billAfterBrl).toBe(58.44);
  });

  it('a state without Convênio 16/2015 charges ICMS on compensated energy', () => {
    // comp 270: energy 22.5/0.77 + Fio B 40.5/0.77 + ICMS 270·0.75·0.17/0.83 = 29.2208 + 52.5974 + 41.4759
    const [b] = simulateBills(
      [{ month: '2026-03', consumptionKwh: 300, generationKwh: 400, bandeiraBrlPerKwh: 0, tariff }],
      { ...gd2, icmsExemptCompensated: false },
    );
    expect(b?.icmsCompensatedBrl).toBeCloseTo((270 * 0.75 * 0.17) / 0.83, 9);
    expect(b?.billAfterBrl).toBe(123.29);
  });

  it('credits expire after 60 months', () => {
    const ms: BillMonthInput[] = Array.from({ length: 62 }, (_, i) => ({
      month: `${2026 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
      consumptionKwh: 30,
      generationKwh: i === 0 ? 100 : 0,
      bandeiraBrlPerKwh: 0,
      tariff,
    }));
    const bills = simulateBills(ms, gd2);
    expect(bills[59]?.creditBalanceKwh).toBe(100);
    expect(bills[59]?.expiredKwh).toBe(0);
    expect(bills[60]?.expiredKwh).toBe(100); // Jan 2031: credits of Jan 2026 are 60 months old
    expect(bills[60]?.creditBalanceKwh).toBe(0);
  });

  it('Fio B share by billing year and regime', () => {
    const gd = regimeFor('2024-05-01');
    expect([2023, 2024, 2025, 2026, 2027, 2028].map((y) => fioBShare(gd, y, 1).share)).toEqual([
      0.15, 0.3, 0.45, 0.6, 0.75, 0.9,
    ]);
    expect(fioBShare(gd, 2029, 0.95)).toEqual({ share: 0.95, source: 'assumption' });
    const late13to18 = regimeFor('2023-03-01');
    expect(late13to18.untilYear).toBe(2030);
    expect(fioBShare(late13to18, 2030, 1)).toEqual({ share: 0.9, source: 'art27' });
    expect(fioBShare(late13to18, 2031, 1).source).toBe('assumption');
    expect(fioBShare(regimeFor('2023-01-07'), 2040, 1).share).toBe(0);
    expect(regimeFor('2024-01-01', 'remote-mini-over-500kw').regime).toBe('GD III');
  });
});
