/** Per-token request budgets for the Heroku API, refilled continuously in simulated time. */
interface Bucket {
  tokens: number;
  last: number;
}

export interface RateLimitSettings {
  perSecond: number;
  max: number;
}

export class HerokuRateLimiter {
  private buckets = new Map<string, Bucket>();

  private refill(key: string, now: number, limit: RateLimitSettings): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: limit.max, last: now };
    bucket.tokens = Math.min(limit.max, bucket.tokens + Math.max(0, now - bucket.last) * limit.perSecond);
    bucket.last = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Spends one request if the budget allows; returns whether it did and what remains. */
  take(key: string, now: number, limit: RateLimitSettings): { allowed: boolean; remaining: number } {
    const bucket = this.refill(key, now, limit);
    if (bucket.tokens < 1) return { allowed: false, remaining: 0 };
    bucket.tokens -= 1;
    return { allowed: true, remaining: Math.floor(bucket.tokens) };
  }

  clear(): void {
    this.buckets.clear();
  }
}
