/**
 * Simulated time. `timeScale` is real milliseconds per simulated second, so with
 * timeScale 1 a 300 s connection drain lasts 300 ms of real time. Simulated time
 * only moves forward; it can also be advanced by hand (and frozen with timeScale 0).
 */
export class SimClock {
  private anchorReal: number;
  private anchorSim = 0;
  private scale: number;
  /** Real epoch milliseconds corresponding to simulated second 0. */
  readonly epochMs: number;

  constructor(
    timeScale: number,
    private readonly realMs: () => number = () => performance.now(),
    epochMs: number = Date.now(),
  ) {
    this.scale = timeScale;
    this.anchorReal = realMs();
    this.epochMs = epochMs;
  }

  /** Simulated seconds since start. */
  now(): number {
    if (this.scale <= 0) return this.anchorSim;
    return this.anchorSim + (this.realMs() - this.anchorReal) / this.scale;
  }

  get timeScale(): number {
    return this.scale;
  }

  setTimeScale(timeScale: number): void {
    this.anchorSim = this.now();
    this.anchorReal = this.realMs();
    this.scale = timeScale;
  }

  advance(seconds: number): void {
    if (seconds > 0) this.anchorSim += seconds;
  }

  /** Real milliseconds until simulated time `at` (Infinity when the clock is frozen). */
  realDelayUntil(at: number): number {
    if (this.scale <= 0) return Infinity;
    return Math.max(0, (at - this.now()) * this.scale);
  }

  /** ISO 8601 wall-clock time of simulated second `t`. */
  iso(t: number): string {
    return new Date(this.epochMs + Math.floor(t * 1000)).toISOString();
  }
}
