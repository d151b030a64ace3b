import { Rng } from '../rng.ts';
import { solarHour } from './sun.ts';

export type WeatherMode = 'clear' | 'variable';
type DayType = 'clear' | 'partly-cloudy' | 'overcast';

const DAY_TYPES: Record<DayType, { mean: number; sigma: number; revertPerMin: number }> = {
  clear: { mean: 1, sigma: 0.01, revertPerMin: 0.5 },
  'partly-cloudy': { mean: 0.72, sigma: 0.28, revertPerMin: 0.25 },
  overcast: { mean: 0.32, sigma: 0.08, revertPerMin: 0.1 },
};

/**
 * Seeded weather of one site: a day type drawn per calendar day (UTC) and a
 * cloud factor following a mean-reverting random walk (Ornstein-Uhlenbeck)
 * around that day's mean. Every device at a site steps its own copy from the
 * same seed, so devices of one site see the same clouds.
 */
export class SiteWeather {
  private kc = 1;
  private day = Number.NaN;
  private dayType: DayType = 'clear';
  private readonly rng: Rng;

  constructor(
    private readonly seed: number,
    private readonly siteId: string,
    private readonly mode: WeatherMode,
    private readonly ambientMeanC: number,
    private readonly lonDeg: number,
  ) {
    this.rng = Rng.derive(seed, `weather:${siteId}`);
  }

  /** Advances the cloud process to `epochMs` by `dtMs`; returns the cloud factor. */
  step(epochMs: number, dtMs: number): number {
    if (this.mode === 'clear') return 1;
    const day = Math.floor(epochMs / 86_400_000);
    if (day !== this.day) {
      this.day = day;
      const r = Rng.derive(this.seed, `day:${this.siteId}:${day}`).next();
      this.dayType = r < 0.4 ? 'clear' : r < 0.8 ? 'partly-cloudy' : 'overcast';
    }
    const p = DAY_TYPES[this.dayType];
    const minutes = dtMs / 60_000;
    const theta = Math.min(1, p.revertPerMin * minutes);
    this.kc += theta * (p.mean - this.kc) + p.sigma * Math.sqrt(Math.min(1, minutes)) * this.rng.normal() * 0.6;
    this.kc = Math.min(1.05, Math.max(0.1, this.kc));
    return this.kc;
  }

  /** Ambient temperature: a daily cosine peaking at 15:00 solar time. */
  ambientC(epochMs: number): number {
    const h = solarHour(epochMs, this.lonDeg);
    return this.ambientMeanC + 5 * Math.cos((2 * Math.PI * (h - 15)) / 24);
  }
}
