import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/index.js";
import { DynamoLockStore } from "../../src/aws/dynamo/index.js";
import { LockService } from "../../src/lock/index.js";
import { parseReapInput, reapWithLock, Reaper, type ReapReport } from "../../src/reaper/index.js";
import { type TableNames } from "../../src/schema/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { freshTables } from "../../../../test/support/dynamo.js";
import { deleteCalls, herokuCalls, herokuNames, ns, seedApps } from "./support.js";

/**
 * Hatchet issue #177 across machines: four reapers start at once against the same 200 old
 * apps. Each has its own process identity, Heroku client and lock service; they share
 * only DynamoDB Local (the lock) and the simulator (the platform).
 */
const TOKEN = "reaper-concurrency-token";
let sim: FleetSimulator;
let base: string;
let names: TableNames;
let doc: Awaited<ReturnType<typeof freshTables>>["doc"];

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
  base = `${sim.endpoint}/heroku`;
  ({ names, doc } = await freshTables());
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

const now = Date.now();
const fleet = [
  ...Array.from({ length: 200 }, (_, i) => ({ name: ns(i + 1), ageMinutes: 30 + i })),
  ...Array.from({ length: 10 }, (_, i) => ({ name: `customer-app-${i}`, ageMinutes: 600 })),
  ...Array.from({ length: 5 }, (_, i) => ({ name: ns(1000 + i), ageMinutes: 1 })),
];

function machine(id: number) {
  const platform = new HerokuPlatform({ baseUrl: base, token: TOKEN, reserve: 0 });
  const locks = new LockService({ store: new DynamoLockStore(doc, { tableName: names.locks }), ownerId: `machine-${id}`, maxPollMs: 25, skewMs: 100 });
  return { platform, locks, reaper: new Reaper({ platform }) };
}

describe("Four reapers at once (DynamoDB Local lock + simulator)", () => {
  it("with the lock: every old app deleted exactly once, nothing outside the namespace, API calls reported", async () => {
    const ids = await seedApps(sim, now, fleet);
    const machines = [1, 2, 3, 4].map(machine);
    const reports: ReapReport[] = await Promise.all(
      machines.map((m) => reapWithLock(m.locks, m.reaper, parseReapInput({ concurrency: 8 }), { lockWaitMs: 30_000, lockName: "reaper/heroku-test" })),
    );

    const deletes = deleteCalls(await sim.control.events());
    const oldIds = new Set(fleet.filter((a) => a.ageMinutes >= 7 && a.name.startsWith("hatchet-t-")).map((a) => ids.get(a.name)));
    expect(oldIds.size).toBe(200);
    // Exactly one DELETE per old app, every one a 200; none for anything else.
    expect(deletes).toHaveLength(200);
    expect(new Set(deletes.map((d) => d.id))).toEqual(oldIds);
    expect(deletes.every((d) => d.status === 200)).toBe(true);
    expect(await herokuNames(sim)).toEqual([...fleet.filter((a) => a.ageMinutes < 7 || !a.name.startsWith("hatchet-t-")).map((a) => a.name)].sort());

    expect(reports.reduce((n, r) => n + r.deleted.length, 0)).toBe(200);
    expect(reports.reduce((n, r) => n + r.conflicts.length, 0)).toBe(0);
    const [first, ...waiters] = [...reports].sort((a, b) => (a.lock?.token ?? 0) - (b.lock?.token ?? 0));
    expect(first?.deleted).toHaveLength(200);
    // Deletes run 8 at a time and finish in any order; the report lists them oldest first, as started.
    const created = first?.deleted.map((d) => Date.parse(d.createdAt)) ?? [];
    expect(created).toEqual([...created].sort((a, b) => a - b));
    for (const waiter of waiters) {
      // Each waited for the lock, then worked from a fresh list: the 5 young apps only.
      expect(waiter.lock?.waitedMs).toBeGreaterThan(0);
      expect(waiter).toMatchObject({ matched: 5, deleted: [], remaining: 5 });
    }
    // The calls each reaper reports add up to exactly what the platform saw.
    const total = reports.reduce((n, r) => n + r.apiCalls, 0);
    expect(total).toBe(herokuCalls(await sim.control.events()).length);
    expect(first?.apiCalls).toBe(201);
    expect(new Set(reports.map((r) => r.lock?.token))).toEqual(new Set([1, 2, 3, 4]));
  });

  it("without the lock (Hatchet's per-machine mutex), the same four passes issue duplicate deletes", async () => {
    await seedApps(sim, now, fleet);
    const reports = await Promise.all([1, 2, 3, 4].map((id) => machine(id).reaper.pass({ concurrency: 8, maxRefreshes: 0 })));
    const deletes = deleteCalls(await sim.control.events());
    const conflicts = reports.reduce((n, r) => n + r.conflicts.length, 0);
    expect(deletes.length).toBeGreaterThan(new Set(deletes.map((d) => d.id)).size);
    expect(conflicts).toBe(deletes.length - deletes.filter((d) => d.status === 200).length);
    expect(conflicts).toBeGreaterThan(0);
  });
});
