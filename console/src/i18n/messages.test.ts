import { describe, expect, it } from 'vitest';
import { Formatter, translate } from './format.ts';
import { en, ptBR } from './messages.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console labels', () => {
  it('English has exactly the Portuguese keys, each with the same placeholders and a text of its own', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ptBR).sort());
    for (const [key, pt] of Object.entries(ptBR)) {
      const english = en[key as keyof typeof en];
      expect(english.trim(), key).not.toBe('');
      expect(placeholders(english), key).toEqual(placeholders(pt));
    }
  });

  it('fills placeholders and leaves an unknown one visible', () => {
    expect(translate(ptBR, 'fleet.count', { count: 5000 })).toBe('5000 usinas');
    expect(translate(en, 'site.title', { name: 'Usina Campinas' })).toBe('Site Usina Campinas');
    expect(translate(en, 'fleet.count')).toBe('{count} sites');
  });
});

describe('Formatter', () => {
  it('formats numbers the Brazilian way in pt-BR and the English way in en', () => {
    expect(new Formatter('pt-BR').number(1234.56, 1)).toBe('1.234,6');
    expect(new Formatter('en').number(1234.56, 1)).toBe('1,234.6');
  });

  it('shows power in kW and MW, energy in kWh and MWh, availability in percent, missing as a dash', () => {
    const f = new Formatter('en');
    expect(f.power(4520.5)).toBe('4.5 kW');
    expect(f.power(2_500_000)).toBe('2.5 MW');
    expect(f.energy(18.25)).toBe('18.3 kWh');
    expect(f.energy(12_345)).toBe('12.3 MWh');
    expect(f.percent(0.987)).toBe('98.7 %');
    expect([f.power(null), f.energy(undefined), f.percent(Number.NaN), f.date(null), f.date('not a date')]).toEqual([
      '—',
      '—',
      '—',
      '—',
      '—',
    ]);
  });

  it('says how long ago, relative to a given now', () => {
    const now = Date.parse('2026-11-21T13:05:00Z');
    expect(new Formatter('en').ago('2026-11-21T13:00:00Z', now)).toBe('5 minutes ago');
    expect(new Formatter('pt-BR').ago('2026-11-21T11:05:00Z', now)).toBe('há 2 horas');
    expect(new Formatter('en').duration(90_061)).toBe('1d 1h');
  });
});
