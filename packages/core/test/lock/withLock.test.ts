import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LockLostError } from "../../src/lock/errors.js";
import { LockService } from "../../src/lock/LockService.js";
import { withLock } from "../../src/lock/withLock.js";
import { MemoryLockStore } from "../support/MemoryLockStore.js";

const clock = { now: () => Date.now() };

describe("Function: withLock", () => {
  let store: MemoryLockStore;
  let locks: LockService;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    store = new MemoryLockStore();
    locks = new LockService({ store, clock, ownerId: "me", skewMs: 100 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("renews the lease while the work runs, then releases it and leaves no timer", async () => {
    // Prepare
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    // Act
    const running = withLock(locks, "job", { leaseMs: 3000 }, async ({ lease }) => {
      await done;
      return lease().token;
    });
    await vi.advanceTimersByTimeAsync(10_000);
    const held = store.items.get("job");
    release();
    const token = await running;
    // Assess
    expect(held?.holder).toBe("me");
    expect(held?.expiresAt).toBeGreaterThan(1_000_000 + 10_000);
    expect(token).toBe(1);
    expect(store.items.get("job")?.holder).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer and releases when the work throws", async () => {
    const failing = withLock(locks, "job", { leaseMs: 3000 }, async () => {
      throw new Error("work failed");
    });
    await expect(failing).rejects.toThrow("work failed");
    expect(vi.getTimerCount()).toBe(0);
    expect(store.items.get("job")?.holder).toBeUndefined();
  });

  it("aborts the work's signal with LockLostError when another owner took the lock over", async () => {
    let signal: AbortSignal | undefined;
    const running = withLock(locks, "job", { leaseMs: 3000 }, async (ctx) => {
      signal = ctx.signal;
      // Someone else holds it now (as after a takeover following a missed renewal).
      store.items.set("job", { name: "job", holder: "other", token: 2, expiresAt: Date.now() + 60_000 });
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      return "stopped";
    });
    await vi.advanceTimersByTimeAsync(1001);
    expect(await running).toBe("stopped");
    expect(signal?.reason).toBeInstanceOf(LockLostError);
    expect(store.items.get("job")?.holder).toBe("other");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives the lease up when storage stays unreachable until the lease runs out", async () => {
    store.failExtends = true;
    let reason: unknown;
    let abortedAt = 0;
    const running = withLock(locks, "job", { leaseMs: 3000 }, async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      abortedAt = Date.now();
      reason = ctx.signal.reason;
    });
    await vi.advanceTimersByTimeAsync(2899);
    expect(abortedAt).toBe(0);
    await vi.advanceTimersByTimeAsync(101);
    await running;
    expect(reason).toBeInstanceOf(LockLostError);
    expect(String((reason as Error).message)).toContain("could not be renewed");
    // Exactly when its local validity (lease less the skew margin) ends, not later.
    expect(abortedAt).toBe(1_000_000 + 3000 - 100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("takes one of N permits when asked for a semaphore", async () => {
    const names = await Promise.all(
      ["a", "b"].map((owner) =>
        withLock(new LockService({ store, clock, ownerId: owner }), "pool", { leaseMs: 3000, permits: 2 }, async ({ lease }) => {
          await vi.advanceTimersByTimeAsync(10);
          return lease().name;
        }),
      ),
    );
    expect(new Set(names)).toEqual(new Set(["pool#0", "pool#1"]));
    expect(vi.getTimerCount()).toBe(0);
  });
});
