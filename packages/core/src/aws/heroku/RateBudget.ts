import type { Clock } from "../../clock.js";
import { RateLimitedError } from "../../ports/platformErrors.js";

/** Waits `ms`, or less when `signal` aborts (lock/sleep.ts; tests pass a simulated one). */
type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RateBudgetOptions {
  /** Requests of the budget never spent by the reaper: the CI creating apps needs them too. */
  readonly reserve: number;
  /** How fast the platform refills the budget (requests per second). */
  readonly refillPerSecond: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: () => number;
}

/**
 * A local mirror of the platform's request budget, learnt from `RateLimit-Remaining`. A
 * request starts only if, counting those in flight, the budget stays above the reserve;
 * otherwise it waits for the refill. Before the first answer, one request at a time.
 */
export class RateBudget {
  private known: { remaining: number; at: number } | undefined;
  private inFlight = 0;
  private waited = 0;

  constructor(private readonly options: RateBudgetOptions) {}

  /** Waits until one more request fits above the reserve, then counts it as in flight. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new RateLimitedError("stopped while waiting for the rate-limit budget above the reserve");
      const pause = this.pauseNeeded();
      if (pause === 0) {
        this.inFlight += 1;
        return;
      }
      await this.options.sleep(pause, signal);
      this.waited += pause;
    }
  }

  /** Records an answer's `RateLimit-Remaining` (absent when the connection was lost). */
  settle(remaining: number | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (remaining !== undefined && Number.isFinite(remaining)) this.known = { remaining, at: this.options.clock.now() };
  }

  /** Total time spent waiting for the budget (ms). */
  waitedMs(): number {
    return this.waited;
  }

  private pauseNeeded(): number {
    const { reserve, refillPerSecond, random } = this.options;
    if (this.known === undefined) return this.inFlight === 0 ? 0 : 10;
    const elapsed = Math.max(0, this.options.clock.now() - this.known.at) / 1000;
    const available = this.known.remaining + elapsed * refillPerSecond - this.inFlight;
    if (available - 1 >= reserve) return 0;
    const missing = reserve + 1 - available;
    // Jitter so that concurrent deletes do not all wake up on the same refill.
    return Math.max(1, Math.ceil((missing / refillPerSecond) * 1000 * (1 + random() * 0.2)));
  }
}
