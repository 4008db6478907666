import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HerokuPlatform, type HerokuPlatformOptions } from "../../src/aws/heroku/index.js";
import { Reaper } from "../../src/reaper/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { deleteCalls, herokuNames, ns, seedApps } from "./support.js";

/**
 * Faults injected by the simulator (429, 5xx, dropped connections before and after the
 * delete is applied, slow answers) and a real per-token budget shared with a "CI" that
 * creates apps. The simulator runs 100 simulated seconds per real second.
 */
const TOKEN = "reaper-faults-token";
const TIME_SCALE = 10;
let sim: FleetSimulator;
let base: string;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: TIME_SCALE, herokuToken: TOKEN });
  base = `${sim.endpoint}/heroku`;
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

const now = () => Date.now();
const inside = (name: string) => /^hatchet-t-[a-f0-9]+$/.test(name);

function reaper(options: Partial<HerokuPlatformOptions> = {}) {
  // Apps are seeded on the host's clock while simulated time runs 100x: keep ages on the host's clock.
  const platform = new HerokuPlatform({ baseUrl: base, token: TOKEN, reserve: 0, backoffBaseMs: 20, backoffMaxMs: 200, requestTimeoutMs: 2_000, clockSkewToleranceMs: Infinity, ...options });
  return new Reaper({ platform });
}

async function fleet(old: number) {
  const apps = [
    ...Array.from({ length: old }, (_, i) => ({ name: ns(i + 1), ageMinutes: 20 + i })),
    ...Array.from({ length: 8 }, (_, i) => ({ name: `billing-${i}`, ageMinutes: 300 })),
    ...Array.from({ length: 3 }, (_, i) => ({ name: ns(500 + i), ageMinutes: 2 })),
  ];
  const ids = await seedApps(sim, now(), apps);
  const oldIds = new Set(apps.filter((a) => inside(a.name) && a.ageMinutes >= 7).map((a) => ids.get(a.name)));
  const outsideIds = new Set(apps.filter((a) => !inside(a.name) || a.ageMinutes < 7).map((a) => ids.get(a.name)));
  return { apps, ids, oldIds, outsideIds };
}

/** No DELETE outside the old namespace apps, and no app deleted (200) twice. */
async function assertSafe(outsideIds: Set<string | undefined>) {
  const deletes = deleteCalls(await sim.control.events());
  for (const d of deletes) expect(outsideIds.has(d.id)).toBe(false);
  const applied = new Map<string, number>();
  for (const d of deletes) if (d.status === 200) applied.set(d.id, (applied.get(d.id) ?? 0) + 1);
  for (const count of applied.values()) expect(count).toBe(1);
  return { deletes, applied };
}

describe("Reaper under injected faults (simulator)", () => {
  it("5xx past the retries: the failing apps are errors in the report, the others are deleted, the pass finishes", async () => {
    const { oldIds, outsideIds } = await fleet(6);
    await sim.control.addFaults({ action: "heroku:DELETE /apps", status: 503, count: 4 });
    const report = await reaper({ maxAttempts: 2 }).pass({ concurrency: 1 });
    expect(report.errors.map((e) => [e.name, e.error, e.status])).toEqual([
      [ns(6), "PlatformUnavailableError", 503],
      [ns(5), "PlatformUnavailableError", 503],
    ]);
    expect(report.deleted.map((d) => d.name)).toEqual([ns(4), ns(3), ns(2), ns(1)]);
    expect(report.left.filter((l) => l.why === "delete-failed").map((l) => l.name).sort()).toEqual([ns(5), ns(6)]);
    expect(report).toMatchObject({ complete: true, retries: 2, apiCalls: 1 + 8 });
    const { applied } = await assertSafe(outsideIds);
    expect(applied.size).toBe(oldIds.size - 2);
  });

  it("a slow answer past the timeout and a dropped answer are retried; the delete is counted once", async () => {
    const { outsideIds } = await fleet(3);
    await sim.control.addFaults(
      { action: "heroku:DELETE /apps", latencyMs: 400, count: 1 },
      { action: "heroku:GET /apps", drop: true, count: 1 },
    );
    const report = await reaper({ requestTimeoutMs: 150 }).pass({ concurrency: 1 });
    expect(report.deleted.map((d) => d.name)).toEqual([ns(3), ns(2), ns(1)]);
    expect(report.retries).toBe(2);
    expect(report.errors).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    await assertSafe(outsideIds);
  });

  it("an answer lost after the delete was applied: the retry's 404 is reported as deleted, not as a conflict", async () => {
    const { outsideIds } = await fleet(2);
    await sim.control.addFaults({ action: "heroku:DELETE /apps", dropAfter: true, count: 1 });
    const report = await reaper().pass({ concurrency: 1 });
    expect(report.deleted.map((d) => d.name)).toEqual([ns(2), ns(1)]);
    expect(report.deleted[0]?.note).toMatch(/answer was lost; a retry found it gone \(404\)/);
    expect(report.conflicts).toEqual([]);
    const { deletes } = await assertSafe(outsideIds);
    expect(deletes.map((d) => d.status)).toEqual([200, 404, 200]);
  });

  it("an answer lost while the platform still deletes the app: the retry's 403 is a conflict, never counted as deleted", async () => {
    const { outsideIds } = await fleet(2);
    await sim.control.config({ herokuDeleteSeconds: 600 });
    await sim.control.addFaults({ action: "heroku:DELETE /apps", dropAfter: true, count: 1 });
    const report = await reaper().pass({ concurrency: 1 });
    // The first delete was applied (its answer lost) but the app still exists; the retry got 403.
    expect(report.deleted.map((d) => d.name)).toEqual([ns(1)]);
    expect(report.conflicts).toEqual([expect.objectContaining({ name: ns(2), status: 403, detail: expect.stringMatching(/answer was lost/) })]);
    const { deletes } = await assertSafe(outsideIds);
    expect(deletes.map((d) => d.status)).toEqual([200, 403, 200]);
  });

  it("random 429s, 5xx, drops before and after applying, and slow answers at once: nothing outside touched, none deleted twice, every old app accounted for", async () => {
    const { oldIds, outsideIds, ids } = await fleet(60);
    await sim.control.addFaults(
      { action: "heroku:DELETE /apps", status: 429, error: "rate_limit", probability: 0.1, seed: 11 },
      { action: "heroku:DELETE /apps", status: 503, probability: 0.1, seed: 12 },
      { action: "heroku:DELETE /apps", drop: true, probability: 0.05, seed: 13 },
      { action: "heroku:DELETE /apps", dropAfter: true, probability: 0.05, seed: 14 },
      { action: "heroku:DELETE /apps", latencyMs: 300, probability: 0.05, seed: 15 },
      { action: "heroku:GET /apps", status: 500, probability: 0.2, seed: 16 },
    );
    const report = await reaper({ maxAttempts: 8, requestTimeoutMs: 150 }).pass({ concurrency: 6, maxRefreshes: 10 });
    await new Promise((r) => setTimeout(r, 400));
    await assertSafe(outsideIds);
    const byName = new Map([...ids].map(([name, id]) => [id, name]));
    const oldNames = new Set([...oldIds].map((id) => byName.get(id ?? "")));
    const accounted = new Set([...report.deleted.map((d) => d.name), ...report.errors.map((e) => e.name), ...report.conflicts.map((c) => c.name)]);
    expect(accounted).toEqual(oldNames);
    expect(report.throttled).toBeGreaterThan(0);
    expect(report.retries).toBeGreaterThan(0);
    const remaining = new Set(await herokuNames(sim));
    for (const name of ["billing-0", "billing-7", ns(500), ns(502)]) expect(remaining.has(name)).toBe(true);
    for (const d of report.deleted) expect(remaining.has(d.name)).toBe(false);
  });

  it("keeps the reserve: a CI creating apps on the same token is never rate limited while the reaper drains the budget", async () => {
    // 4 requests per simulated second = 400 per real second; a budget of 20, of which 6 are reserved.
    await sim.control.config({ herokuRateLimit: { perSecond: 4, max: 20 } });
    const { outsideIds } = await fleet(80);
    const platform = new HerokuPlatform({ baseUrl: base, token: TOKEN, reserve: 6, refillPerSecond: (4 * 1000) / TIME_SCALE, backoffBaseMs: 20, clockSkewToleranceMs: Infinity });
    let running = true;
    const ciStatuses: number[] = [];
    const ci = (async () => {
      for (let i = 0; running; i++) {
        const res = await fetch(`${base}/apps`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ name: `ci-app-${i}` }),
        });
        ciStatuses.push(res.status);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const report = await new Reaper({ platform }).pass({ concurrency: 8 });
    running = false;
    await ci;
    expect(report.deleted).toHaveLength(80);
    expect(report.throttled).toBe(0);
    expect(report.reserveWaitMs).toBeGreaterThan(0);
    expect(ciStatuses.length).toBeGreaterThan(3);
    expect(ciStatuses.every((s) => s === 201)).toBe(true);
    await assertSafe(outsideIds);
  });
});
