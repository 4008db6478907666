import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/index.js";
import { type AppPlatform, type CallOptions, type PlatformApp } from "../../src/ports/index.js";
import { Reaper } from "../../src/reaper/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { deleteCalls, herokuCalls, herokuNames, ManualClock, ns, seedApps } from "./support.js";

/**
 * Hatchet's behaviours through the real Heroku adapter against the fleet simulator over
 * loopback. The reaper's clock is a ManualClock (its sleeps move it), so throttle
 * sequences of minutes run in milliseconds; the apps' created_at are set relative to it.
 */
const TOKEN = "reaper-sim-token";
const T0 = Date.parse("2025-03-01T09:00:00Z");
let sim: FleetSimulator;
let base: string;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
  base = `${sim.endpoint}/heroku`;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

function reaperAt(clock: ManualClock, wrap: (p: AppPlatform) => AppPlatform = (p) => p) {
  // Time passes on the test's manual clock, not the (frozen) simulator's: ages stay on the test's clock.
  const heroku = new HerokuPlatform({ baseUrl: base, token: TOKEN, reserve: 0, clockSkewToleranceMs: Infinity });
  return { heroku, reaper: new Reaper({ platform: wrap(heroku), clock, sleep: clock.sleep }) };
}

/** Another party (a CI job tearing its app down) deletes `victim` right before the reaper's own delete. */
function racedBy(victims: Set<string>, herokuDeleteSeconds = 0) {
  return (inner: AppPlatform): AppPlatform => ({
    name: inner.name,
    listApps: (o?: CallOptions) => inner.listApps(o),
    usage: () => inner.usage(),
    deleteApp: async (target: PlatformApp, o?: CallOptions) => {
      if (victims.delete(target.name)) {
        if (herokuDeleteSeconds > 0) await sim.control.config({ herokuDeleteSeconds });
        const res = await fetch(`${base}/apps/${target.id}`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(200);
      }
      return inner.deleteApp(target, o);
    },
  });
}

describe("Reaper against the simulator (Heroku adapter)", () => {
  it("deletes old namespace apps oldest first, stops at the first young one, and touches nothing else", async () => {
    const clock = new ManualClock(T0);
    const ids = await seedApps(sim, T0, [
      { name: ns(3), ageMinutes: 12 },
      { name: ns(1), ageMinutes: 60 },
      { name: "production-api", ageMinutes: 900 },
      { name: ns(4), ageMinutes: 3 },
      { name: ns(2), ageMinutes: 30 },
      { name: "hatchet-t-beef-keep", ageMinutes: 500 },
      { name: ns(5), ageMinutes: 7.5 },
    ]);
    const { reaper } = reaperAt(clock);
    const report = await reaper.pass({ concurrency: 1 });
    const deletes = deleteCalls(await sim.control.events());
    expect(deletes.map((d) => d.id)).toEqual([ns(1), ns(2), ns(3), ns(5)].map((n) => ids.get(n)));
    expect(report.deleted.map((d) => [d.name, d.ageMinutes])).toEqual([
      [ns(1), 60],
      [ns(2), 30],
      [ns(3), 12],
      [ns(5), 7.5],
    ]);
    expect(await herokuNames(sim)).toEqual(["hatchet-t-beef-keep", ns(4), "production-api"].sort());
    expect(report).toMatchObject({ seen: 7, matched: 5, remaining: 1, apiCalls: 5, errors: [], conflicts: [], complete: true });
    expect(report.left).toMatchObject([{ name: ns(4), why: "younger-than-ttl" }]);
  });

  it("dry run lists and reports what it would delete, and sends no DELETE", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    const report = await reaperAt(clock).reaper.pass({ dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(3), ns(2), ns(1)]);
    expect(deleteCalls(await sim.control.events())).toEqual([]);
    expect(await herokuNames(sim)).toHaveLength(3);
    expect(report.apiCalls).toBe(1);
  });

  it("destroys young apps only behind the explicit `all` flag, and still only in the namespace", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [
      { name: ns(1), ageMinutes: 1 },
      { name: ns(2), ageMinutes: 2 },
      { name: "young-other", ageMinutes: 1 },
    ]);
    const { reaper } = reaperAt(clock);
    const guarded = await reaper.pass({});
    expect(guarded.deleted).toEqual([]);
    expect(await herokuNames(sim)).toHaveLength(3);
    const all = await reaper.pass({ all: true });
    expect(all.mode).toBe("all");
    expect(all.deleted.map((d) => [d.name, d.reason])).toEqual([
      [ns(2), "destroy-all"],
      [ns(1), "destroy-all"],
    ]);
    expect(await herokuNames(sim)).toEqual(["young-other"]);
  });

  it("over the limit with nothing old enough: Hatchet's throttle 10, 20, 40, 80 s, the capped 30 s, then again from 10 s", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3, 4].map((i) => ({ name: ns(i), ageMinutes: i })));
    const report = await reaperAt(clock).reaper.pass({ limit: 3 });
    // Oldest is 4 min: 3 min to the TTL. 10+20+40+80 = 150 s, then capped at 30 s → deleted.
    // Next oldest is then 6 min old: 60 s to go: 10, 20, then capped at 30 → deleted; 2 < 3.
    expect(clock.slept.map((ms) => ms / 1000)).toEqual([10, 20, 40, 80, 30, 10, 20, 30]);
    expect(report.waits.map((w) => w.capMs / 1000)).toEqual([180, 170, 150, 110, 30, 60, 50, 30]);
    expect(report.deleted.map((d) => [d.name, d.ageMinutes])).toEqual([
      [ns(4), 7],
      [ns(3), 7],
    ]);
    expect(report).toMatchObject({ remaining: 2, underLimit: true, complete: true });
    // A fresh listing after every wait, plus the first: 9 GETs and 2 DELETEs.
    expect(report.apiCalls).toBe(11);
    expect(herokuCalls(await sim.control.events())).toHaveLength(11);
  });

  it("inside a deadline (Lambda's remaining time) it stops waiting and reports what is left and why", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3].map((i) => ({ name: ns(i), ageMinutes: i })));
    const deadline = T0 + 100_000;
    const report = await reaperAt(clock).reaper.pass({ limit: 3 }, { remainingMs: () => deadline - clock.now(), safetyMs: 5_000 });
    expect(clock.slept).toEqual([10_000, 20_000, 40_000]);
    expect(report.deleted).toEqual([]);
    expect(report.complete).toBe(false);
    expect(report.left).toHaveLength(3);
    for (const left of report.left) {
      expect(left.why).toBe("over-limit");
      expect(left.detail).toMatch(/reaches the TTL in 170000 ms, but this pass may wait only 25000 ms more/);
    }
  });

  it("refresh-and-continue: a 404 'app not found' from a racing delete refreshes the list and goes on", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3, 4].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    const { reaper } = reaperAt(clock, racedBy(new Set([ns(3)])));
    const report = await reaper.pass({ concurrency: 1, onConflict: "refresh-and-continue" });
    expect(report.conflicts).toMatchObject([{ name: ns(3), status: 404, detail: "Couldn't find that app.", then: "refresh" }]);
    expect(report.refreshes).toBe(1);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(4), ns(2), ns(1)]);
    expect(await herokuNames(sim)).toEqual([]);
    // Two listings, four DELETEs (one answered 404).
    expect(report.apiCalls).toBe(6);
  });

  it("stop-when-under-limit: a 403 from a delete already under way stops once under the limit", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3, 4].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    const { reaper } = reaperAt(clock, racedBy(new Set([ns(3)]), 3600));
    const report = await reaper.pass({ concurrency: 1, onConflict: "stop-when-under-limit", limit: 3 });
    expect(report.conflicts).toMatchObject([{ name: ns(3), status: 403, then: "stop" }]);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(4)]);
    expect(report.left.map((l) => [l.name, l.why])).toEqual([
      [ns(2), "stopped-under-limit"],
      [ns(1), "stopped-under-limit"],
    ]);
    expect(report).toMatchObject({ underLimit: true, complete: true, refreshes: 0 });
  });

  it("stop-when-under-limit goes on while still at or over the limit", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3, 4].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    const { reaper } = reaperAt(clock, racedBy(new Set([ns(4)])));
    const report = await reaper.pass({ concurrency: 1, onConflict: "stop-when-under-limit", limit: 3 });
    expect(report.conflicts).toMatchObject([{ name: ns(4), then: "continue" }]);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(3), ns(2), ns(1)]);
  });

  it("no strategy loops forever: conflicts on every delete end the pass after maxRefreshes listings", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2, 3, 4, 5, 6].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 404, error: "not_found", message: "Couldn't find that app." });
    const report = await reaperAt(clock).reaper.pass({ concurrency: 1, maxRefreshes: 2 });
    expect(report.refreshes).toBe(2);
    expect(report.conflicts).toHaveLength(3);
    expect(report.complete).toBe(false);
    expect(report.left.filter((l) => l.why === "refresh-limit")).toHaveLength(3);
    expect(report.apiCalls).toBe(6);
  });

  it("a 404 that is not 'app not found' is an error, not a conflict, and is not retried in the pass", async () => {
    const clock = new ManualClock(T0);
    await seedApps(sim, T0, [1, 2].map((i) => ({ name: ns(i), ageMinutes: 10 * i })));
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 404, error: "not_found", message: "The requested API endpoint was not found.", count: 1 });
    const report = await reaperAt(clock).reaper.pass({ concurrency: 1 });
    expect(report.conflicts).toEqual([]);
    expect(report.errors).toMatchObject([{ phase: "delete", name: ns(2), error: "PlatformError", status: 404 }]);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(1)]);
    expect(report.left).toMatchObject([{ name: ns(2), why: "delete-failed" }]);
    expect(deleteCalls(await sim.control.events())).toHaveLength(2);
  });

  it("never deletes a name outside the namespace, whatever the fleet (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            name: fc.oneof(fc.stringMatching(/^hatchet-t-[a-f0-9]{1,10}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/)),
            ageMinutes: fc.integer({ min: 0, max: 90 }),
          }),
          { selector: (a) => a.name, minLength: 1, maxLength: 25 },
        ),
        fc.boolean(),
        async (fleet, all) => {
          await sim.control.reset();
          const clock = new ManualClock(T0);
          const ids = await seedApps(sim, T0, fleet);
          const report = await reaperAt(clock).reaper.pass({ all, maxWaitMs: 0 });
          const inside = (name: string) => /^hatchet-t-[a-f0-9]+$/.test(name);
          const outsideIds = new Set(fleet.filter((a) => !inside(a.name)).map((a) => ids.get(a.name)));
          for (const call of deleteCalls(await sim.control.events())) expect(outsideIds.has(call.id)).toBe(false);
          const remaining = new Set(await herokuNames(sim));
          for (const a of fleet) if (!inside(a.name)) expect(remaining.has(a.name)).toBe(true);
          for (const d of report.deleted) expect(inside(d.name)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });
});
