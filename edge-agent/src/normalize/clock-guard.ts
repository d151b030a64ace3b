export interface ClockSource {
  /** Wall clock, epoch ms (what readings are stamped with). */
  wall(): number;
  /** Monotonic clock, ms (never jumps). */
  mono(): number;
}

export const systemClock: ClockSource = { wall: Date.now, mono: () => performance.now() };

export interface ClockGuardOptions {
  /** Wall and monotonic time may drift apart by this much between checks before it counts as a jump. */
  toleranceMs?: number;
  /** After a detected jump, readings stamped within this much monotonic time are flagged too. */
  holdMs?: number;
  /** Latest timestamp a previous run stamped: a wall clock behind it has gone backwards. */
  lastTs?: number;
  /** A wall clock before this date was never set (boot without NTP or RTC). */
  earliestPlausible?: number;
}

/**
 * Detects wall-clock jumps (NTP stepping the clock after a boot without time,
 * an operator setting it by hand) by comparing wall and monotonic progress, and
 * says whether a timestamp taken now is trustworthy.
 */
export class ClockGuard {
  private readonly clock: ClockSource;
  private readonly tolerance: number;
  private readonly hold: number;
  private readonly earliest: number;
  private lastWall: number;
  private lastMono: number;
  private suspectUntilMono = -Infinity;
  private floorTs: number;
  jumps = 0;

  constructor(clock: ClockSource = systemClock, options: ClockGuardOptions = {}) {
    this.clock = clock;
    this.tolerance = options.toleranceMs ?? 2000;
    this.hold = options.holdMs ?? 10_000;
    this.earliest = options.earliestPlausible ?? Date.UTC(2024, 0, 1);
    this.lastWall = clock.wall();
    this.lastMono = clock.mono();
    this.floorTs = options.lastTs ?? 0;
    if (this.lastWall + this.tolerance < this.floorTs) this.jumps++;
  }

  /** A timestamp for a reading taken now, and whether the clock is suspect. */
  stamp(): { ts: number; suspect: boolean } {
    const wall = this.clock.wall();
    const mono = this.clock.mono();
    const drift = wall - this.lastWall - (mono - this.lastMono);
    if (Math.abs(drift) > this.tolerance) {
      this.jumps++;
      this.suspectUntilMono = mono + this.hold;
    }
    this.lastWall = wall;
    this.lastMono = mono;
    const backwards = wall + this.tolerance < this.floorTs;
    const unset = wall < this.earliest;
    const suspect = mono <= this.suspectUntilMono || backwards || unset;
    if (!backwards && wall > this.floorTs) this.floorTs = wall;
    return { ts: wall, suspect };
  }
}
