import { describe, expect, it } from "vitest";
import { ReaperThrottle } from "../../src/reaper/index.js";

describe("Class: ReaperThrottle", () => {
  it("doubles while the cap is not reached", () => {
    const throttle = new ReaperThrottle(10);
    expect([1, 2, 3, 4].map(() => throttle.next(1_000))).toEqual([10, 20, 40, 80]);
  });

  it("never waits longer than the cap, and starts over after a capped wait (Hatchet's example)", () => {
    const throttle = new ReaperThrottle(2);
    expect([throttle.next(5), throttle.next(5), throttle.next(5), throttle.next(5)]).toEqual([2, 4, 5, 2]);
  });

  it("a cap equal to the current wait is not a capped wait", () => {
    const throttle = new ReaperThrottle(10);
    throttle.next(10);
    expect(throttle.peek()).toBe(20);
  });

  it("a cap of zero means no wait, and resets", () => {
    const throttle = new ReaperThrottle(10);
    throttle.next(100);
    expect(throttle.next(0)).toBe(0);
    expect(throttle.peek()).toBe(10);
  });

  it("refuses a non-positive initial sleep", () => {
    expect(() => new ReaperThrottle(0)).toThrow(RangeError);
  });
});
