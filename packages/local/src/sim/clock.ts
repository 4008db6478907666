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
    // A whole second, so a frozen clock's HTTP Date header (second resolution) is exact.
    epochMs: number = Math.floor(Date.now() / 1000) * 1000,
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

  /**
   * The simulator's wall clock: epoch plus simulated time. Every timestamp it hands out
   * (created_at, CreatedAt, the event log's `at`) and every answer's `Date` header come
   * from here, so they agree with each other however fast simulated time runs.
   */
  wallMs(t: number): number {
    return this.epochMs + Math.floor(t * 1000);
  }

  /** ISO 8601 wall-clock time of simulated second `t`. */
  iso(t: number): string {
    return new Date(this.wallMs(t)).toISOString();
  }

  /** RFC 9110 HTTP-date of simulated second `t` (second resolution), for the `Date` header. */
  httpDate(t: number): string {
    return new Date(this.wallMs(t)).toUTCString();
  }
}
