import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText, fixC1, parseDate, parseDecimal, parsePercentAsFraction } from './numbers.ts';

/** n with `decimals` places written the Brazilian way: "1.234.567,89", optionally without thousands dots. */
function brazilian(cents: bigint, decimals: number, grouped: boolean): string {
  const neg = cents < 0n;
  const abs = (neg ? -cents : cents).toString().padStart(decimals + 1, '0');
  const int = abs.slice(0, abs.length - decimals);
  const frac = abs.slice(abs.length - decimals);
  const intOut = grouped ? int.replace(/\B(?=(\d{3})+(?!\d))/g, '.') : int;
  return `${neg ? '-' : ''}${intOut}${decimals ? `,${frac}` : ''}`;
}

describe('parseDecimal', () => {
  it('reads the published forms', () => {
    expect(parseDecimal(',00', ',')).toBe(0);
    expect(parseDecimal('29,84', ',')).toBe(29.84);
    expect(parseDecimal('R$ 1.299,00', ',')).toBe(1299);
    expect(parseDecimal('21,3 %', ',')).toBe(21.3);
    expect(parseDecimal('2.51E-10', '.')).toBe(2.51e-10);
    expect(parseDecimal('1,234.5', '.')).toBe(1234.5);
    expect(parseDecimal('Não se aplica', ',')).toBeNull();
    expect(parseDecimal('', ',')).toBeNull();
    expect(parseDecimal('1.29', ',')).toBeNaN();
    expect(parseDecimal('12,5,3', ',')).toBeNaN();
    expect(parseDecimal('abc', '.')).toBeNaN();
  });

  it('round-trips any amount written with decimal comma, grouped or not (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        (n, decimals, grouped) => {
          const s = brazilian(n, decimals, grouped);
          expect(parseDecimal(s, ',')).toBeCloseTo(Number(n) / 10 ** decimals, 6);
          // the same amount in the '.' layout
          expect(parseDecimal(s.replace(/\./g, '').replace(',', '.'), '.')).toBeCloseTo(Number(n) / 10 ** decimals, 6);
        },
      ),
    );
  });

  it('never throws and never invents a number from garbage (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(',' as const, '.' as const), (s, d) => {
        const v = parseDecimal(s, d);
        expect(v === null || typeof v === 'number').toBe(true);
        if (typeof v === 'number' && !Number.isNaN(v)) expect(s).toMatch(/\d/);
      }),
    );
  });

  it('percent cells become fractions', () => {
    expect(parsePercentAsFraction('21,3%', ',')).toBeCloseTo(0.213, 10);
    expect(parsePercentAsFraction('0,213', ',')).toBe(0.213);
    expect(parsePercentAsFraction('0%', ',')).toBe(0);
  });
});

describe('parseDate', () => {
  it('reads ISO, Brazilian and US dates and refuses impossible ones', () => {
    expect(parseDate('2023-12-02')).toBe('2023-12-02');
    expect(parseDate('2023-12-02T00:00:00')).toBe('2023-12-02');
    expect(parseDate('02/12/2023')).toBe('2023-12-02');
    expect(parseDate('12/1/2021', 'mdy')).toBe('2021-12-01');
    expect(parseDate('2023-02-30')).toBeUndefined();
    expect(parseDate('31/04/2024')).toBeUndefined();
    expect(parseDate('Não se aplica')).toBeNull();
  });

  it('round-trips every calendar day in each layout (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01'), max: new Date('2150-12-31'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = iso.split('-');
        expect(parseDate(iso)).toBe(iso);
        expect(parseDate(`${day}/${m}/${y}`)).toBe(iso);
        expect(parseDate(`${Number(m)}/${Number(day)}/${y}`, 'mdy')).toBe(iso);
      }),
    );
  });

  it('never throws on arbitrary text, and what it returns is a real date (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseDate(s);
        if (typeof v === 'string') expect(new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10)).toBe(v);
      }),
    );
  });
});

describe('text decoding', () => {
  it('reads Latin-1 bytes and fixes the U+0096 defect', () => {
    expect(decodeText(Buffer.from('Potência;Preço R$', 'latin1'))).toEqual({
      text: 'Potência;Preço R$',
      encoding: 'windows-1252',
    });
    expect(decodeText(Buffer.from('\uFEFFIluminação pública \u0096 B4b', 'utf8')).text).toBe(
      'Iluminação pública – B4b',
    );
    expect(fixC1('a\u0093b\u0094')).toBe('a“b”');
  });
});
