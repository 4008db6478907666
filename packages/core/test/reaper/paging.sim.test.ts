import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HerokuPlatform } from "../../src/aws/heroku/index.js";
import { PlatformAppInventory } from "../../src/orphans/index.js";
import { Reaper } from "../../src/reaper/index.js";
import { startFleetSimulator, type FleetSimulator } from "../../../local/src/sim/index.js";
import { herokuCalls } from "./support.js";

/**
 * Heroku pages GET /apps (Range / Next-Range, 206 while more remain, 200 per page by
 * default, at most 1000). With small pages, the listing loops of the reaper and the
 * orphan sweep must walk every page: an app on the last page is still found.
 */
const TOKEN = "paging-token";
let sim: FleetSimulator;

beforeAll(async () => {
  sim = await startFleetSimulator({ timeScale: 0, herokuToken: TOKEN });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await sim.control.reset();
});

const platform = (pageSize: number) => new HerokuPlatform({ baseUrl: `${sim.endpoint}/heroku`, token: TOKEN, reserve: 0, pageSize });
const old = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe("Heroku paging through the simulator", () => {
  it("lists every app across pages of 3, following Next-Range until a 200", async () => {
    await sim.control.seed({ herokuApps: Array.from({ length: 11 }, (_, i) => ({ name: `app-${String(i).padStart(2, "0")}` })) });
    const apps = await platform(3).listApps();
    expect(apps.map((a) => a.name).sort()).toEqual(Array.from({ length: 11 }, (_, i) => `app-${String(i).padStart(2, "0")}`));
    const lists = herokuCalls(await sim.control.events()).filter((c) => c.action === "GET /apps");
    expect(lists.map((c) => c.status)).toEqual([206, 206, 206, 200]);
  });

  it("the reaper deletes an old app that only the last page lists", async () => {
    // Ids sort the pages: make the old app's id the last one.
    await sim.control.seed({
      herokuApps: [
        ...Array.from({ length: 7 }, (_, i) => ({ id: `00000000-0000-4000-8000-00000000000${i}`, name: `hatchet-t-${(0xa0 + i).toString(16)}`, created_at: old(1) })),
        { id: "ffffffff-0000-4000-8000-000000000000", name: "hatchet-t-ff", created_at: old(60) },
      ],
    });
    const report = await new Reaper({ platform: platform(2) }).pass({ limit: 100 });
    expect(report.deleted.map((d) => d.name)).toEqual(["hatchet-t-ff"]);
    expect(report.seen).toBe(8);
    expect(herokuCalls(await sim.control.events()).filter((c) => c.action === "GET /apps").length).toBe(4);
  });

  it("the orphan sweep's app inventory sees apps on every page", async () => {
    await sim.control.seed({ herokuApps: Array.from({ length: 9 }, (_, i) => ({ name: `scythe-deadbeef-r${i}` })) });
    expect(await new PlatformAppInventory(platform(4)).list()).toHaveLength(9);
  });

  it("answers 200 apps per page without a Range, and never more than 1000", async () => {
    await sim.control.seed({ herokuApps: Array.from({ length: 1203 }, (_, i) => ({ name: `app-${String(i).padStart(4, "0")}` })) });
    const get = (range?: string) =>
      fetch(`${sim.endpoint}/heroku/apps`, { headers: { authorization: `Bearer ${TOKEN}`, ...(range ? { range } : {}) } });
    const first = await get();
    expect(first.status).toBe(206);
    expect(((await first.json()) as unknown[]).length).toBe(200);
    expect(first.headers.get("next-range")).toMatch(/^id \]\S+\.\.; max=200$/);
    const big = await get("id ..; max=5000");
    expect(((await big.json()) as unknown[]).length).toBe(1000);
    expect(await platform(1000).listApps()).toHaveLength(1203);
  });
});
