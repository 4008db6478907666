import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inlineShare } from "../../src/leases/ExpiryFanOut.js";

const limits = { minInline: 32, maxInline: 500 };

describe("Function: inlineShare (how much an expiry sweep does itself before fanning out)", () => {
  it("does the floor first, to measure the pace, and all of a small batch", () => {
    expect(inlineShare({ pending: 10_000, done: 0, elapsedMs: 0, budgetMs: 60_000, ...limits })).toBe(32);
    expect(inlineShare({ pending: 20, done: 0, elapsedMs: 0, budgetMs: 0, ...limits })).toBe(20);
  });

  it("after the floor, does what fits in the time left at the measured pace", () => {
    // 32 leases in 3.2 s: 100 ms each; 10 s left fits 100 more.
    expect(inlineShare({ pending: 10_000, done: 32, elapsedMs: 3_200, budgetMs: 10_000, ...limits })).toBe(100);
    // Plenty of time: everything, up to the ceiling of 500 in all.
    expect(inlineShare({ pending: 300, done: 32, elapsedMs: 320, budgetMs: 600_000, ...limits })).toBe(300);
    expect(inlineShare({ pending: 10_000, done: 32, elapsedMs: 320, budgetMs: 600_000, ...limits })).toBe(468);
    // No time left (or already past the reserve): nothing more here.
    expect(inlineShare({ pending: 10_000, done: 32, elapsedMs: 3_200, budgetMs: -5, ...limits })).toBe(0);
  });

  it("never exceeds the ceiling, the pending work, or what fits at the measured pace (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: -10_000, max: 900_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 2_000 }),
        (pending, done, elapsedMs, budgetMs, minInline, maxInline) => {
          const share = inlineShare({ pending, done, elapsedMs, budgetMs, minInline, maxInline });
          expect(share).toBeGreaterThanOrEqual(0);
          expect(share).toBeLessThanOrEqual(pending);
          expect(done + share).toBeLessThanOrEqual(Math.max(done, maxInline));
          expect(share * (Math.max(elapsedMs, 1) / done)).toBeLessThanOrEqual(Math.max(0, budgetMs));
        },
      ),
    );
  });

  it("does more when there is more time (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 300_000 }), (pending, done, elapsedMs, a, b) => {
        const share = (budgetMs: number) => inlineShare({ pending, done, elapsedMs, budgetMs, minInline: 32, maxInline: 1_000 });
        expect(share(Math.max(a, b))).toBeGreaterThanOrEqual(share(Math.min(a, b)));
      }),
    );
  });
});
