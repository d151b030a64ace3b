/**
 * The simulated clock: simulated time = start + (wall time since anchor) × speed.
 * Speed 0 stops it (tests then move it with `advance`). Changing speed re-anchors,
 * so simulated time never jumps.
 */
export interface ClockState {
  now: number;
  speed: number;
  startedAt: number;
}

export class SimClock {
  private anchorSim: number;
  private anchorWall: number;
  private currentSpeed: number;
  readonly startedAt: number;

  constructor(
    start: number,
    speed: number,
    private readonly wall: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    this.anchorSim = start;
    this.startedAt = start;
    this.anchorWall = wall();
    this.currentSpeed = speed;
  }

  now(): number {
    return this.anchorSim + (this.wall() - this.anchorWall) * this.currentSpeed;
  }

  get speed(): number {
    return this.currentSpeed;
  }

  setSpeed(speed: number): void {
    this.anchorSim = this.now();
    this.anchorWall = this.wall();
    this.currentSpeed = speed;
  }

  /** Moves simulated time forward (never backward: the energy counter and the steps are monotonic). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: expected a non-negative number of ms, got ${ms}`);
    this.anchorSim += ms;
  }

  /** Sets simulated time; only forward. */
  set(epochMs: number): void {
    const now = this.now();
    if (epochMs < now)
      throw new RangeError(`set: ${new Date(epochMs).toISOString()} is before the current simulated time`);
    this.anchorSim += epochMs - now;
  }

  state(): ClockState {
    return { now: this.now(), speed: this.currentSpeed, startedAt: this.startedAt };
  }
}
