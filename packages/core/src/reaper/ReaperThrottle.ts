/**
 * Hatchet's reaper throttle: each wait doubles the next one, but a wait is never longer
 * than the cap (the time until the oldest app reaches its TTL). A capped wait ends right
 * when there is work again, so the next wait starts over from the initial sleep.
 */
export class ReaperThrottle {
  private current: number;

  constructor(readonly initialMs: number) {
    if (!(initialMs > 0)) throw new RangeError(`initial sleep must be positive, got ${initialMs}`);
    this.current = initialMs;
  }

  /** The next wait (ms) given the cap, and the state for the one after. */
  next(capMs: number): number {
    const wait = Math.max(0, Math.min(this.current, capMs));
    if (wait < this.current) this.current = this.initialMs;
    else this.current *= 2;
    return wait;
  }

  /** What the next uncapped wait would be. */
  peek(): number {
    return this.current;
  }
}
