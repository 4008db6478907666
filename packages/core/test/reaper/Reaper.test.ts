import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { PlatformUnavailableError, type PlatformApp } from "../../src/ports/index.js";
import { Reaper } from "../../src/reaper/index.js";
import { app, ManualClock, MemoryPlatform, minute, ns } from "./support.js";

const T0 = Date.parse("2025-01-01T12:00:00Z");

function setup(apps: PlatformApp[]) {
  const clock = new ManualClock(T0);
  const platform = new MemoryPlatform(apps);
  const reaper = new Reaper({ platform, clock, sleep: clock.sleep });
  return { clock, platform, reaper };
}

describe("Class: Reaper (unit, in-memory platform)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("Method: pass — input", () => {
    it.each([
      [{ olderThanMinutes: 0 }, "olderThanMinutes"],
      [{ limit: 0 }, "limit"],
      [{ limit: 2.5 }, "limit"],
      [{ all: "yes" }, "all"],
      [{ concurrency: 0 }, "concurrency"],
      [{ onConflict: "retry-forever" }, "onConflict"],
      [{ namespace: ".*" }, "namespace"],
      [{ olderThan: 7 }, "olderThan"],
      ["7", "input"],
    ])("refuses %j naming %s, and makes no call", async (input, field) => {
      const { platform, reaper } = setup([app(ns(1), 60, T0)]);
      const error = await reaper.pass(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      expect(platform.usage().calls).toBe(0);
      expect(platform.apps.size).toBe(1);
    });
  });

  describe("Method: pass — Hatchet's order", () => {
    it("deletes old apps oldest first and stops at the first young one", async () => {
      const { platform, reaper } = setup([app(ns(3), 9, T0), app(ns(1), 30, T0), app(ns(4), 2, T0), app(ns(2), 20, T0), app(ns(5), 8, T0)]);
      const report = await reaper.pass({ concurrency: 1 });
      expect(platform.deleteCalls).toEqual([ns(1), ns(2), ns(3), ns(5)]);
      expect(report.deleted.map((d) => [d.name, d.reason])).toEqual([
        [ns(1), "older-than-ttl"],
        [ns(2), "older-than-ttl"],
        [ns(3), "older-than-ttl"],
        [ns(5), "older-than-ttl"],
      ]);
      expect(report.left).toEqual([{ id: `id-${ns(4)}`, name: ns(4), ageMinutes: 2, why: "younger-than-ttl", detail: "younger than 7 min" }]);
      expect(report).toMatchObject({ seen: 5, matched: 5, remaining: 1, underLimit: true, complete: true, apiCalls: 5 });
    });

    it("records a failed delete, goes on with the others, and does not retry it in the same pass", async () => {
      const { platform, reaper } = setup([app(ns(1), 30, T0), app(ns(2), 20, T0), app(ns(3), 10, T0)]);
      platform.script.set(`id-${ns(2)}`, new PlatformUnavailableError("DELETE answered 503", { status: 503 }));
      const report = await reaper.pass({ concurrency: 1 });
      expect(report.deleted.map((d) => d.name)).toEqual([ns(1), ns(3)]);
      expect(report.errors).toEqual([
        { phase: "delete", id: `id-${ns(2)}`, name: ns(2), error: "PlatformUnavailableError", message: "DELETE answered 503", status: 503 },
      ]);
      expect(report.left).toMatchObject([{ name: ns(2), why: "delete-failed" }]);
      expect(platform.deleteCalls.filter((n) => n === ns(2))).toHaveLength(1);
    });

    it("over the limit prefers finished apps (maintenance on) before they reach the TTL", async () => {
      const apps = [1, 2, 3, 4].map((i) => app(ns(i), i, T0, { finished: i === 2 }));
      const { reaper } = setup(apps);
      const report = await reaper.pass({ limit: 4, maxWaitMs: 0 });
      expect(report.deleted.map((d) => [d.name, d.reason])).toEqual([[ns(2), "finished-over-limit"]]);
      expect(report.underLimit).toBe(true);
    });
  });

  describe("Method: pass — the throttle (fake timers)", () => {
    it("sleeps 10, 20, 40 s then the capped remainder with the real sleep, and deletes once the oldest is old enough", async () => {
      vi.useFakeTimers({ now: T0 });
      const platform = new MemoryPlatform([app(ns(1), 5, T0), app(ns(2), 1, T0)]);
      const waits: number[] = [];
      const reaper = new Reaper({ platform, onEvent: (e) => (e.type === "waiting" ? waits.push(e.wait.ms) : undefined) });
      const pass = reaper.pass({ limit: 2 });
      await vi.advanceTimersByTimeAsync(0);
      expect(waits).toEqual([10_000]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(waits).toEqual([10_000, 20_000]);
      await vi.advanceTimersByTimeAsync(20_000 + 40_000);
      expect(waits).toEqual([10_000, 20_000, 40_000, 50_000]);
      expect(platform.apps.size).toBe(2);
      await vi.advanceTimersByTimeAsync(50_000);
      const report = await pass;
      expect(report.deleted.map((d) => d.name)).toEqual([ns(1)]);
      expect(report.waits.map((w) => w.ms)).toEqual([10_000, 20_000, 40_000, 50_000]);
      expect(report.waits.at(-1)?.capMs).toBe(50_000);
      expect(report.durationMs).toBe(120_000);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe("Method: pass — safety (property)", () => {
    const appsArb = fc.uniqueArray(
      fc.record({
        name: fc.oneof(fc.stringMatching(/^hatchet-t-[a-f0-9]{1,8}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
        ageMinutes: fc.integer({ min: 0, max: 120 }),
        finished: fc.boolean(),
      }),
      { selector: (a) => a.name, maxLength: 40 },
    );

    it("never deletes outside the namespace, never a young app unless allowed, and always oldest first", async () => {
      await fc.assert(
        fc.asyncProperty(appsArb, fc.integer({ min: 1, max: 30 }), fc.boolean(), fc.boolean(), async (specs, limit, all, dryRun) => {
          const { platform, reaper } = setup(specs.map((s) => app(s.name, s.ageMinutes, T0, { finished: s.finished })));
          const report = await reaper.pass({ limit, all, dryRun, maxWaitMs: 0, concurrency: 1 });
          const inNamespace = (name: string) => /^hatchet-t-[a-f0-9]+$/.test(name);
          for (const name of platform.deleteCalls) expect(inNamespace(name)).toBe(true);
          for (const d of report.deleted) {
            expect(inNamespace(d.name)).toBe(true);
            if (!all && d.reason !== "finished-over-limit") expect(d.ageMinutes).toBeGreaterThanOrEqual(7);
          }
          if (dryRun) expect(platform.deleteCalls).toEqual([]);
          const older = report.deleted.filter((d) => d.reason !== "finished-over-limit").map((d) => Date.parse(d.createdAt));
          expect(older).toEqual([...older].sort((a, b) => a - b));
          const kept = specs.filter((s) => !inNamespace(s.name)).map((s) => s.name);
          for (const name of kept) expect([...platform.apps.values()].some((a) => a.name === name)).toBe(true);
          expect(report.deleted.length + report.left.length).toBe(report.matched);
        }),
        { numRuns: 200 },
      );
    });
  });

  it("a test clock minute is a minute", () => {
    expect(minute).toBe(60_000);
  });
});
