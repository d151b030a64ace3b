import { en, type MessageKey, type Messages, ptBR } from './messages.ts';

export type Lang = 'pt-BR' | 'en';
export const LANGS: Lang[] = ['pt-BR', 'en'];
export const CATALOGS: Record<Lang, Messages> = { 'pt-BR': ptBR, en };

export type Vars = Record<string, string | number>;

/** Looks a label up and fills its `{name}` placeholders; an unknown placeholder stays visible. */
export function translate(messages: Messages, key: MessageKey, vars?: Vars): string {
  const text = messages[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** Number and date formatting for one language; '—' stands for a missing value. */
export class Formatter {
  private readonly num: Map<number, Intl.NumberFormat> = new Map();
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly relative: Intl.RelativeTimeFormat;

  constructor(readonly lang: Lang) {
    this.dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' });
    this.relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  }

  number(value: number | null | undefined, digits = 1): string {
    if (value === null || value === undefined || !Number.isFinite(value)) return '—';
    let f = this.num.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(this.lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
      this.num.set(digits, f);
    }
    return f.format(value);
  }

  /** Watts shown as kW (or MW past 1000 kW), the unit operators read. */
  power(watts: number | null | undefined): string {
    if (watts === null || watts === undefined || !Number.isFinite(watts)) return '—';
    if (Math.abs(watts) >= 1_000_000) return `${this.number(watts / 1_000_000, 2)} MW`;
    return `${this.number(watts / 1000, 1)} kW`;
  }

  energy(kwh: number | null | undefined): string {
    if (kwh === null || kwh === undefined || !Number.isFinite(kwh)) return '—';
    if (Math.abs(kwh) >= 10_000) return `${this.number(kwh / 1000, 1)} MWh`;
    return `${this.number(kwh, 1)} kWh`;
  }

  percent(ratio: number | null | undefined): string {
    if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
    return `${this.number(ratio * 100, 1)} %`;
  }

  date(iso: string | null | undefined): string {
    if (!iso) return '—';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '—' : this.dateTime.format(d);
  }

  /** "há 5 minutos" / "5 minutes ago", relative to `now`. */
  ago(iso: string | null | undefined, now = Date.now()): string {
    if (!iso) return '—';
    const t = new Date(iso).getTime();
    if (Number.isNaN(t)) return '—';
    const s = Math.round((t - now) / 1000);
    const abs = Math.abs(s);
    if (abs < 60) return this.relative.format(s, 'second');
    if (abs < 3600) return this.relative.format(Math.round(s / 60), 'minute');
    if (abs < 86_400) return this.relative.format(Math.round(s / 3600), 'hour');
    return this.relative.format(Math.round(s / 86_400), 'day');
  }

  duration(seconds: number | null | undefined): string {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
    const s = Math.max(0, Math.round(seconds));
    const d = Math.floor(s / 86_400);
    const h = Math.floor((s % 86_400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}min`;
    if (m > 0) return `${m}min`;
    return `${s}s`;
  }
}
